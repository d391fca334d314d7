using MLStability.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Mixed-precision steps (<see cref="PrecisionKind.BFloat16"/>): a bfloat16 copy of the float32 master network runs
/// the forward and backward passes. Before each forward it takes the master's weights and buffers; after it, the
/// master takes back the buffers (batch-norm statistics) and the activation statistics; after backward, the master's
/// gradients are the copy's, in float32. Everything else (clipping, optimizer, recovery, diagnostics, validation,
/// checkpoints) sees only the master, as in float32 training.
/// </summary>
internal sealed class BFloat16Compute : IDisposable
{
    /// <summary>
    /// The largest relative error (<see cref="NormError"/>) of the copy's outputs and input gradients against the
    /// float32 master that the check accepts. bfloat16 keeps 8 significant bits (2^-8 ≈ 0.4% per rounding), and depth
    /// compounds it: correct copies measured 0.007 (LSTM, GRU) to 0.04 (MLPs of 2 to 4 layers), 0.06 (20 layers), 0.08
    /// (50 sigmoid layers) and 0.12 (the ForImages ResNet), at initialization on normal inputs; a copy that computes
    /// another function (tanh for ReLU) is off by 0.6, the order of the values themselves.
    /// </summary>
    public const double AllowedError = 0.25;

    private readonly DeepNetwork master, compute;
    private readonly (Parameter Master, Parameter Compute)[] parameters;
    private readonly (Tensor Master, Tensor Compute)[] buffers;
    private readonly (ActivationProbe Master, ActivationProbe Compute)[] probes;
    private readonly (AttentionProbe Master, AttentionProbe Compute)[] attentionProbes;

    /// <param name="master">The float32 network that is trained and returned.</param>
    /// <param name="compute">A second network of the same architecture (its weights are overwritten), converted here.</param>
    public BFloat16Compute(DeepNetwork master, DeepNetwork compute)
    {
        this.master = master;
        this.compute = compute;
        compute.to(ScalarType.BFloat16);
        var computeParameters = compute.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        parameters = master.named_parameters().Select(p => (p.parameter, computeParameters[p.name])).ToArray();
        var computeBuffers = compute.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        buffers = master.named_buffers().Select(b => (b.buffer, computeBuffers[b.name])).ToArray();
        probes = master.WatchedLayers.Zip(compute.WatchedLayers)
            .Where(pair => pair.First.Probe != null && pair.Second.Probe != null)
            .Select(pair => (pair.First.Probe!, pair.Second.Probe!)).ToArray();
        attentionProbes = master.WatchedLayers.Zip(compute.WatchedLayers)
            .Where(pair => pair.First.Attention != null && pair.Second.Attention != null)
            .Select(pair => (pair.First.Attention!, pair.Second.Attention!)).ToArray();
    }

    /// <summary>The bfloat16 network (for the kernel self-check's routes and the agreement check).</summary>
    public DeepNetwork Network => compute;

    /// <summary>
    /// The master's output for <paramref name="input"/> computed by the bfloat16 copy with the master's current weights,
    /// mode and activation capture; returned in float32, so the loss is computed in float32 (as autocast does).
    /// </summary>
    public Tensor Forward(Tensor input)
    {
        LoadMaster();
        Tensor output = compute.forward(input.to(ScalarType.BFloat16)).to(ScalarType.Float32);
        using (torch.no_grad())
        {
            foreach (var (to, from) in buffers)
                to.copy_(from);
        }
        foreach (var (to, from) in probes)
            to.Adopt(from);
        foreach (var (to, from) in attentionProbes)
            to.Adopt(from);
        return output;
    }

    /// <summary>Moves the copy's gradients (after backward) into the master's, as float32, and clears the copy's.</summary>
    public void MoveGradients()
    {
        using var noGrad = torch.no_grad();
        foreach (var (to, from) in parameters)
        {
            if (from.grad is not Tensor gradient)
                continue;
            if (to.grad is Tensor existing)
                existing.copy_(gradient);
            else
                to.grad = gradient.to(ScalarType.Float32).DetachFromDisposeScope();
            gradient.zero_();
        }
    }

    /// <summary>
    /// The largest relative error of the copy against the master on <paramref name="input"/>: the outputs, and the
    /// input's gradient of a random projection of them (the same projection for both), in evaluation mode.
    /// </summary>
    public double AgreementError(Tensor input, Generator generator)
    {
        using var scope = torch.NewDisposeScope();
        bool training = master.training;
        master.eval();
        LoadMaster();
        try
        {
            Tensor reference = input.detach().clone().requires_grad_(true);
            Tensor output = master.forward(reference);
            Tensor projection = torch.randn(output.shape, generator: generator).to(output.device);
            (output * projection).sum().backward();

            Tensor half = input.detach().to(ScalarType.BFloat16).requires_grad_(true);
            Tensor computeOutput = compute.forward(half).to(ScalarType.Float32);
            (computeOutput * projection).sum().backward();
            return Math.Max(NormError(computeOutput, output), NormError(half.grad!.to(ScalarType.Float32), reference.grad!));
        }
        finally
        {
            master.train(training);
            compute.train(training);
            foreach (var (to, from) in parameters)
            {
                to.grad?.zero_();
                from.grad?.zero_();
            }
        }
    }

    /// <summary>
    /// ‖actual − reference‖ / ‖reference‖ in float64: the error of the whole result, which bfloat16's rounding of every
    /// element keeps near 2^-8 times the depth, where a largest-element comparison would be ruled by the one value that
    /// happens to sit near a rounding boundary after cancellation.
    /// </summary>
    internal static double NormError(Tensor actual, Tensor reference)
    {
        using var scope = torch.NewDisposeScope();
        Tensor expected = reference.detach().to(ScalarType.Float64);
        double difference = (actual.detach().to(ScalarType.Float64) - expected).norm().item<double>();
        double scale = expected.norm().item<double>();
        return double.IsFinite(difference) && scale > 0 ? difference / scale : double.PositiveInfinity;
    }

    private void LoadMaster()
    {
        using var noGrad = torch.no_grad();
        foreach (var (from, to) in parameters)
            to.copy_(from);
        foreach (var (from, to) in buffers)
            to.copy_(from);
        compute.train(master.training);
        foreach (var (from, to) in probes)
            to.Capture = from.Capture;
        foreach (var (from, to) in attentionProbes)
            to.Capture = from.Capture;
    }

    public void Dispose() => compute.Dispose();
}
