using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>How a recurrent layer runs its cell over a sequence.</summary>
internal enum RecurrentRoute
{
    /// <summary>LibTorch's LSTM/GRU/RNN (oneDNN's RNN primitives on x86 CPUs).</summary>
    Library,
    /// <summary>
    /// Inference only: LibTorch's module run with autograd on and its output detached, so that oneDNN runs its
    /// training primitive (<c>forward_training</c>), which was right where its inference primitive was wrong, at
    /// close to its speed.
    /// </summary>
    TrainingKernel,
    /// <summary>
    /// LibTorch's LSTM/GRU/RNN with oneDNN switched off for the call (<see cref="OneDnnSwitch"/>): LibTorch's native
    /// cells, which were right where oneDNN's LSTM inference kernel was wrong, and faster than the composed equations.
    /// LibTorch fixes a recurrent layer's backward pass when it runs the forward one, so this holds for training too.
    /// </summary>
    WithoutOneDnn,
    /// <summary>The cell's equations step by step, composed from matrix products and elementwise functions.</summary>
    Composed,
}

/// <summary>
/// A recurrent layer's shape class as training runs it: cell, widths, directions, the sequences' steps and the
/// training batch; what the self-check checks once per process.
/// </summary>
internal sealed record RecurrentShape(RecurrentCellKind Cell, long InputSize, long HiddenSize, bool Bidirectional,
    long Steps = 4, long Batch = 3)
{
    public int Directions => Bidirectional ? 2 : 1;

    public int Gates => Cell switch { RecurrentCellKind.LSTM => 4, RecurrentCellKind.GRU => 3, _ => 1 };

    public override string ToString() =>
        $"{Cell} {InputSize}->{HiddenSize}{(Bidirectional ? ", bidirectional" : "")}, {Steps} steps, batch {Batch}";
}

/// <summary>One direction's weights, in PyTorch's layout and gate order (LSTM i, f, g, o; GRU r, z, n).</summary>
internal sealed record RecurrentWeights(Tensor InputWeight, Tensor HiddenWeight, Tensor InputBias, Tensor HiddenBias);

/// <summary>The recurrent routes, the cells' equations, and the check against the equations in float64.</summary>
internal static class RecurrentKernels
{
    /// <summary>Runs LibTorch's module over [N, T, F] (batch first); returns [N, T, directions x H].</summary>
    public static Tensor Library(nn.Module cell, Tensor input) => LibTorchKernels.Recurrent(cell, input);

    /// <summary>Runs LibTorch's module with autograd on (its training kernel) and returns the detached output.</summary>
    public static Tensor TrainingKernel(nn.Module cell, Tensor input)
    {
        using var grad = enable_grad();
        return LibTorchKernels.Recurrent(cell, input).detach();
    }

    /// <summary>Runs LibTorch's module with oneDNN switched off for the call.</summary>
    public static Tensor WithoutOneDnn(nn.Module cell, Tensor input)
    {
        using var off = OneDnnSwitch.Off();
        return LibTorchKernels.DirectRecurrent(cell, input);
    }

    /// <summary>The weights of <paramref name="cell"/> for each direction.</summary>
    public static RecurrentWeights[] Weights(nn.Module cell, int directions)
    {
        var parameters = cell.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        return Enumerable.Range(0, directions).Select(d =>
        {
            string suffix = d == 1 ? "_l0_reverse" : "_l0";
            return new RecurrentWeights(parameters["weight_ih" + suffix], parameters["weight_hh" + suffix],
                parameters["bias_ih" + suffix], parameters["bias_hh" + suffix]);
        }).ToArray();
    }

    /// <summary>
    /// The cell's equations over [N, T, F] (batch first), for every direction, from zero initial states; returns
    /// [N, T, directions x H] as LibTorch's modules do. Works in any floating type, so it is also the reference.
    /// </summary>
    public static Tensor Composed(RecurrentCellKind cell, Tensor input, IReadOnlyList<RecurrentWeights> directions)
    {
        var outputs = directions.Select((weights, d) => Direction(cell, input, weights, reverse: d == 1)).ToArray();
        return outputs.Length == 1 ? outputs[0] : cat(outputs, 2);
    }

    private static Tensor Direction(RecurrentCellKind cell, Tensor input, RecurrentWeights w, bool reverse)
    {
        long batch = input.shape[0], steps = input.shape[1], hidden = w.HiddenWeight.shape[1];
        // The input's contribution to every gate at every step in one product; only the recurrence is sequential.
        Tensor projected = nn.functional.linear(input, w.InputWeight, w.InputBias);
        Tensor h = zeros(new[] { batch, hidden }, input.dtype, input.device);
        Tensor c = h;
        var states = new Tensor[steps];
        for (long i = 0; i < steps; i++)
        {
            long t = reverse ? steps - 1 - i : i;
            Tensor x = projected.select(1, t);
            Tensor r = nn.functional.linear(h, w.HiddenWeight, w.HiddenBias);
            switch (cell)
            {
                case RecurrentCellKind.LSTM:
                    Tensor[] gates = x.Plus(r).chunk(4, 1);
                    c = gates[1].sigmoid() * c + gates[0].sigmoid() * gates[2].tanh();
                    h = gates[3].sigmoid() * c.tanh();
                    break;
                case RecurrentCellKind.GRU:
                    Tensor[] xs = x.chunk(3, 1), hs = r.chunk(3, 1);
                    Tensor reset = xs[0].Plus(hs[0]).sigmoid();
                    Tensor update = xs[1].Plus(hs[1]).sigmoid();
                    Tensor candidate = xs[2].Plus(reset * hs[2]).tanh();
                    h = candidate.Plus(update * (h - candidate)); // (1 - z) n + z h
                    break;
                default:
                    h = x.Plus(r).tanh();
                    break;
            }
            states[t] = h;
        }
        return stack(states, 1);
    }

    /// <summary>
    /// Inference: the largest relative error of <paramref name="candidate"/> (run without autograd, as validation and
    /// scoring run it) against the equations in float64, on sequences of the shape's steps at its batch and as single
    /// rows (PredictionEngine); once with one intra-op thread, then with the threads training uses.
    /// </summary>
    public static KernelError CheckInference(RecurrentShape shape, Func<nn.Module, Tensor, Tensor> candidate, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var module = Module(shape, generator, out var reference);
        var inputs = new[] { shape.Batch, 1L }.Distinct()
            .Select(batch => KernelComparison.Normal(generator, 1, batch, shape.Steps, shape.InputSize)).ToArray();
        var expected = inputs.Select(input => Composed(shape.Cell, input, reference)).ToArray();
        var formula = new List<(Tensor, Tensor)>();
        using (no_grad())
        {
            for (int i = 0; i < inputs.Length; i++)
                formula.Add((Composed(shape.Cell, inputs[i].to(ScalarType.Float32), Weights(module, shape.Directions)), expected[i]));
        }
        return Repeated(formula, () =>
        {
            using var noGrad = no_grad();
            return inputs.Select((input, i) => (candidate(module, input.to(ScalarType.Float32)), expected[i])).ToList();
        });
    }

    /// <summary>
    /// Judges <paramref name="kernel"/>'s results, run once per thread count of <see cref="KernelSelfCheck.CheckThreadCounts"/>;
    /// the worst run counts, and a run that fails ends the check.
    /// </summary>
    private static KernelError Repeated(List<(Tensor, Tensor)> formula, Func<List<(Tensor Actual, Tensor Reference)>> kernel)
    {
        KernelError worst = new(0, 0);
        foreach (int threads in KernelSelfCheck.CheckThreadCounts(repeats: 1))
        {
            using var limit = IntraOpThreads.Use(threads);
            var error = KernelComparison.Judge(kernel(), formula);
            if (error.Error >= worst.Error)
                worst = error;
            if (!error.Passes)
                return error;
        }
        return worst;
    }

    /// <summary>
    /// Training: the largest relative error of <paramref name="candidate"/>'s output and of the gradients with respect
    /// to the input and every weight, against the equations in float64 and their autograd.
    /// </summary>
    public static KernelError CheckTraining(RecurrentShape shape, Func<nn.Module, Tensor, Tensor> candidate, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var module = Module(shape, generator, out var reference);
        using var grad = enable_grad();
        Tensor input = KernelComparison.Normal(generator, 1, shape.Batch, shape.Steps, shape.InputSize);
        Tensor upstream = KernelComparison.Normal(generator, 1, shape.Batch, shape.Steps, shape.Directions * shape.HiddenSize);
        var expected = Gradients((_, x) => Composed(shape.Cell, x, reference), input, reference, upstream);
        var float32Weights = Weights(module, shape.Directions);
        var formula = Gradients((_, x) => Composed(shape.Cell, x, float32Weights), input.to(ScalarType.Float32), float32Weights, upstream.to(ScalarType.Float32));
        return Repeated(formula.Zip(expected).ToList(),
            () => Gradients(candidate, input.to(ScalarType.Float32), float32Weights, upstream.to(ScalarType.Float32)).Zip(expected).ToList());

        // The output, then the gradients of sum(output * upstream) with respect to the input and every weight.
        Tensor[] Gradients(Func<nn.Module, Tensor, Tensor> run, Tensor x, RecurrentWeights[] weights, Tensor upstreamWeights)
        {
            x = x.detach().requires_grad_(true);
            Tensor output = run(module, x);
            var sources = weights.SelectMany(Flatten).Prepend(x).ToArray();
            return autograd.grad(new[] { (output * upstreamWeights).sum() }, sources).Prepend(output.detach()).ToArray();
        }
    }

    private static IEnumerable<Tensor> Flatten(RecurrentWeights w) => new[] { w.InputWeight, w.HiddenWeight, w.InputBias, w.HiddenBias };

    /// <summary>
    /// A LibTorch module of the shape with weights drawn from the check's generator (the float32 copy is the module's,
    /// the float64 copy is returned as <paramref name="reference"/>). Building a module draws from TorchSharp's global
    /// generator: <see cref="KernelSelfCheck"/> restores that generator afterwards.
    /// </summary>
    private static nn.Module Module(RecurrentShape shape, Generator generator, out RecurrentWeights[] reference)
    {
        nn.Module module = shape.Cell switch
        {
            RecurrentCellKind.LSTM => nn.LSTM(shape.InputSize, shape.HiddenSize, batchFirst: true, bidirectional: shape.Bidirectional),
            RecurrentCellKind.GRU => nn.GRU(shape.InputSize, shape.HiddenSize, batchFirst: true, bidirectional: shape.Bidirectional),
            _ => nn.RNN(shape.InputSize, shape.HiddenSize, batchFirst: true, bidirectional: shape.Bidirectional),
        };
        double scale = 1 / Math.Sqrt(shape.HiddenSize);
        using var noGrad = no_grad();
        reference = Weights(module, shape.Directions).Select(w => new RecurrentWeights(
            Fill(w.InputWeight), Fill(w.HiddenWeight), Fill(w.InputBias), Fill(w.HiddenBias))).ToArray();
        return module;

        Tensor Fill(Tensor parameter)
        {
            Tensor values = KernelComparison.Normal(generator, scale, parameter.shape);
            parameter.copy_(values);
            return values.requires_grad_(true);
        }
    }
}
