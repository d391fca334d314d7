using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// A trained network in inference mode. <see cref="Predict"/> may be called from several threads at once: inference
/// only reads the weights, and every call has its own dispose scope. It owns the network's native memory:
/// <see cref="Dispose()"/> frees it, and so does the finalizer when a model is dropped without being disposed
/// (TorchSharp's tensors are not freed by the garbage collector on their own).
/// </summary>
internal class TrainedNetwork : IDisposable
{
    private int disposed;

    public TrainedNetwork(DeepNetwork network, torch.Device device, int featureCount, int outputCount, TrainingReport report)
    {
        Network = network;
        Device = device;
        FeatureCount = featureCount;
        OutputCount = outputCount;
        Report = report;
    }

    public DeepNetwork Network { get; }
    public torch.Device Device { get; }
    public int FeatureCount { get; }
    public int OutputCount { get; }
    public TrainingReport Report { get; }
    public IReadOnlyList<EpochProgress> History => Report.Epochs.Select(e => e.Progress).ToArray();

    /// <summary>
    /// Writes the network's raw outputs for <paramref name="rows"/> rows of row-major <paramref name="features"/> into
    /// <paramref name="outputs"/> (rows x OutputCount).
    /// </summary>
    public void Predict(ReadOnlySpan<float> features, int rows, Span<float> outputs) => Run(features, rows, outputs, softmax: false);

    protected void Run(ReadOnlySpan<float> features, int rows, Span<float> outputs, bool softmax)
    {
        if (features.Length != rows * FeatureCount)
            throw new ArgumentException($"Expected {rows} x {FeatureCount} feature values, got {features.Length}.", nameof(features));
        if (outputs.Length < rows * OutputCount)
            throw new ArgumentException($"Need room for {rows} x {OutputCount} outputs.", nameof(outputs));
        if (rows == 0)
            return;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor input = torch.tensor(features.ToArray(), new long[] { rows, FeatureCount }).to(Device);
        Tensor output = Network.forward(input);
        if (softmax)
            output = nn.functional.softmax(output, 1);
        output.cpu().data<float>().CopyTo(outputs[..(rows * OutputCount)]);
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    ~TrainedNetwork() => Dispose(disposing: false);

    protected virtual void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
            Network.Dispose();
    }
}

/// <summary>A trained classification network: its outputs are class logits.</summary>
internal sealed class TrainedClassifier : TrainedNetwork
{
    public TrainedClassifier(DeepNetwork network, torch.Device device, int featureCount, int classCount, TrainingReport report)
        : base(network, device, featureCount, classCount, report)
    {
    }

    public int ClassCount => OutputCount;

    /// <summary>
    /// Writes softmax class probabilities for <paramref name="rows"/> rows of row-major
    /// <paramref name="features"/> into <paramref name="probabilities"/> (rows x ClassCount).
    /// </summary>
    public void PredictProbabilities(ReadOnlySpan<float> features, int rows, Span<float> probabilities) =>
        Run(features, rows, probabilities, softmax: true);
}
