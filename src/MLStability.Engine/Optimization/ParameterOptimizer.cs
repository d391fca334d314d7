using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// An optimizer written against TorchSharp tensor ops, with every <see cref="Scalar"/> created and disposed
/// explicitly. TorchSharp 0.107.0's own Adam passes temporary Scalars that the GC can finalize while native code
/// still uses them, which aborted the process about once in 46 runs; these optimizers keep them alive instead.
/// The update rules match PyTorch's (tests compare them with TorchSharp's optimizers step by step).
/// </summary>
internal abstract class ParameterOptimizer : IDisposable
{
    protected ParameterOptimizer(IEnumerable<Parameter> parameters)
    {
        Parameters = parameters.ToArray();
    }

    /// <summary>The parameters this optimizer updates.</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>Creates the optimizer that <see cref="DeepNetworkOptions.Optimizer"/> names.</summary>
    public static ParameterOptimizer Create(DeepNetworkOptions options, IEnumerable<Parameter> parameters) => options.Optimizer switch
    {
        OptimizerKind.Sgd => new SgdOptimizer(parameters, options.WeightDecay, momentum: 0, nesterov: false),
        OptimizerKind.Momentum => new SgdOptimizer(parameters, options.WeightDecay, options.EffectiveMomentum, options.Nesterov),
        OptimizerKind.Adam => new AdamOptimizer(parameters, options.WeightDecay, decoupledWeightDecay: false),
        OptimizerKind.AdamW => new AdamOptimizer(parameters, options.WeightDecay, decoupledWeightDecay: true),
        OptimizerKind.RmsProp => new RmsPropOptimizer(parameters, options.WeightDecay, options.EffectiveMomentum),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "Unknown optimizer."),
    };

    /// <summary>Clears every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (Parameter p in Parameters)
            p.grad?.zero_();
    }

    /// <summary>Applies one update with learning rate <paramref name="learningRate"/> to parameters that have gradients.</summary>
    public void Step(double learningRate)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        StepCount++;
        for (int i = 0; i < Parameters.Count; i++)
        {
            if (Parameters[i].grad is Tensor gradient)
                Update(i, Parameters[i], gradient, learningRate);
        }
    }

    /// <summary>
    /// The momentum of the next steps when a schedule cycles it (OneCycle): SGD's momentum or Adam's beta1; null: the
    /// optimizer's own. Optimizers without momentum (Sgd, RmsProp) ignore it.
    /// </summary>
    public double? MomentumOverride { get; set; }

    /// <summary>Optimizer steps taken so far (Adam's bias correction needs it).</summary>
    protected long StepCount { get; private set; }

    /// <summary>The optimizer's state tensors (moments, velocities), for snapshots.</summary>
    protected abstract IEnumerable<Tensor> StateTensors();

    /// <summary>A copy of the optimizer state, kept out of any dispose scope; dispose it when done.</summary>
    public OptimizerSnapshot Snapshot()
    {
        using var noGrad = torch.no_grad();
        return new OptimizerSnapshot(StepCount, StateTensors().Select(t => t.clone().DetachFromDisposeScope()).ToArray());
    }

    /// <summary>Restores a state taken by <see cref="Snapshot"/>.</summary>
    public void Restore(OptimizerSnapshot snapshot)
    {
        using var noGrad = torch.no_grad();
        StepCount = snapshot.StepCount;
        foreach (var (state, saved) in StateTensors().Zip(snapshot.State))
            state.copy_(saved);
    }

    /// <summary>Updates parameter <paramref name="index"/> in place; temporaries die with the step's dispose scope.</summary>
    protected abstract void Update(int index, Tensor parameter, Tensor gradient, double learningRate);

    /// <summary>Zero-filled state tensors shaped like the parameters, kept out of any dispose scope.</summary>
    protected Tensor[] ZerosLikeParameters()
    {
        using var noGrad = torch.no_grad();
        return Parameters.Select(p => torch.zeros_like(p).DetachFromDisposeScope()).ToArray();
    }

    /// <summary>Frees the state tensors (moments, velocities).</summary>
    public void Dispose()
    {
        foreach (var state in StateTensors())
            state.Dispose();
    }

    /// <summary>Concatenates optional state arrays.</summary>
    protected static IEnumerable<Tensor> States(params Tensor[]?[] arrays) => arrays.Where(a => a != null).SelectMany(a => a!);

    /// <summary>Returns gradient + weightDecay * parameter (PyTorch's coupled L2 weight decay), or the gradient itself.</summary>
    protected static Tensor WithL2(Tensor gradient, Tensor parameter, double weightDecay)
    {
        if (weightDecay == 0)
            return gradient;
        using Scalar decay = weightDecay.ToScalar();
        return gradient.add(parameter, decay);
    }
}

/// <summary>A copy of an optimizer's step count and state tensors.</summary>
internal sealed class OptimizerSnapshot(long stepCount, Tensor[] state) : IDisposable
{
    public long StepCount { get; } = stepCount;
    public IReadOnlyList<Tensor> State { get; } = state;

    public void WriteTo(CheckpointFile checkpoint, string prefix)
    {
        checkpoint.Set(prefix + "steps", StepCount);
        checkpoint.Set(prefix + "count", State.Count);
        for (int i = 0; i < State.Count; i++)
            checkpoint.SetTensor($"{prefix}{i}", State[i]);
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote (CPU copies; <c>Restore</c> copies them to the device).</summary>
    public static OptimizerSnapshot ReadFrom(CheckpointFile checkpoint, string prefix) =>
        new(checkpoint.Get<long>(prefix + "steps"),
            Enumerable.Range(0, checkpoint.Get<int>(prefix + "count"))
                .Select(i => checkpoint.GetTensor($"{prefix}{i}").clone().DetachFromDisposeScope()).ToArray());

    public void Dispose()
    {
        foreach (var tensor in State)
            tensor.Dispose();
    }
}
