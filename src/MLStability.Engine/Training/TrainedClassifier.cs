using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// A trained classification network in inference mode. <see cref="PredictProbabilities"/> may be called from
/// several threads at once: inference only reads the weights, and every call has its own dispose scope.
/// It owns the network's native memory: <see cref="Dispose()"/> frees it, and so does the finalizer when a model is
/// dropped without being disposed (TorchSharp's tensors are not freed by the garbage collector on their own).
/// </summary>
internal sealed class TrainedClassifier : IDisposable
{
    public TrainedClassifier(MlpNetwork network, torch.Device device, int featureCount, int classCount, TrainingReport report)
    {
        Network = network;
        Device = device;
        FeatureCount = featureCount;
        ClassCount = classCount;
        Report = report;
    }

    public MlpNetwork Network { get; }
    public torch.Device Device { get; }
    public int FeatureCount { get; }
    public int ClassCount { get; }
    public TrainingReport Report { get; }
    public IReadOnlyList<EpochProgress> History => Report.Epochs.Select(e => e.Progress).ToArray();

    /// <summary>
    /// Writes softmax class probabilities for <paramref name="rows"/> rows of row-major
    /// <paramref name="features"/> into <paramref name="probabilities"/> (rows x ClassCount).
    /// </summary>
    public void PredictProbabilities(ReadOnlySpan<float> features, int rows, Span<float> probabilities)
    {
        if (features.Length != rows * FeatureCount)
            throw new ArgumentException($"Expected {rows} x {FeatureCount} feature values, got {features.Length}.", nameof(features));
        if (probabilities.Length < rows * ClassCount)
            throw new ArgumentException($"Need room for {rows} x {ClassCount} probabilities.", nameof(probabilities));
        if (rows == 0)
            return;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor input = torch.tensor(features.ToArray(), new long[] { rows, FeatureCount }).to(Device);
        Tensor output = nn.functional.softmax(Network.forward(input), 1).cpu();
        output.data<float>().CopyTo(probabilities[..(rows * ClassCount)]);
    }

    private int disposed;

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    ~TrainedClassifier() => Dispose(disposing: false);

    private void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
            Network.Dispose();
    }
}
