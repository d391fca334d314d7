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
    private readonly ScalingOnDevice? featureScaling, targetScaling;

    public TrainedNetwork(DeepNetwork network, torch.Device device, int featureCount, int outputCount, TrainingReport report,
        DataScaling? scaling = null)
    {
        Scaling = scaling ?? DataScaling.None;
        featureScaling = Scaling.Features?.On(device);
        targetScaling = Scaling.Targets?.On(device);
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

    /// <summary>How features are scaled before the network and regression outputs restored after it.</summary>
    public DataScaling Scaling { get; }
    public IReadOnlyList<EpochProgress> History => Report.Epochs.Select(e => e.Progress).ToArray();

    /// <summary>
    /// Writes the network's outputs for <paramref name="rows"/> rows of row-major <paramref name="features"/> into
    /// <paramref name="outputs"/> (rows x OutputCount): logits, or regression values in the targets' own units.
    /// </summary>
    public void Predict(ReadOnlySpan<float> features, int rows, Span<float> outputs) =>
        Run(features, rows, outputs, OutputCount, input =>
        {
            Tensor output = Network.forward(input);
            return targetScaling?.Invert(output) ?? output;
        });

    /// <summary>Writes the embeddings (the head's input, rows x EmbeddingSize) of the rows, as for transfer learning.</summary>
    public void Embed(ReadOnlySpan<float> features, int rows, Span<float> outputs) =>
        Run(features, rows, outputs, (int)Network.EmbeddingSize, input => Network.Embed(input));

    protected void Run(ReadOnlySpan<float> features, int rows, Span<float> outputs, bool softmax) =>
        Run(features, rows, outputs, OutputCount, input =>
        {
            Tensor output = Network.forward(input);
            return softmax ? nn.functional.softmax(output, 1) : output;
        });

    /// <summary>
    /// Runs <paramref name="compute"/> ([rows, FeatureCount] to [rows, width]) in inference mode on the scaled features.
    /// </summary>
    protected void Run(ReadOnlySpan<float> features, int rows, Span<float> outputs, int width, Func<Tensor, Tensor> compute)
    {
        if (features.Length != rows * FeatureCount)
            throw new ArgumentException($"Expected {rows} x {FeatureCount} feature values, got {features.Length}.", nameof(features));
        if (outputs.Length < rows * width)
            throw new ArgumentException($"Need room for {rows} x {width} outputs.", nameof(outputs));
        if (rows == 0)
            return;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor input = torch.tensor(features.ToArray(), new long[] { rows, FeatureCount }).to(Device);
        if (featureScaling is not null)
            input = featureScaling.Apply(input);
        compute(input).contiguous().cpu().data<float>().CopyTo(outputs[..(rows * width)]);
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
        {
            Network.Dispose();
            featureScaling?.Dispose();
            targetScaling?.Dispose();
        }
    }
}

/// <summary>A trained classification network: its outputs are class logits.</summary>
internal sealed class TrainedClassifier : TrainedNetwork
{
    public TrainedClassifier(DeepNetwork network, torch.Device device, int featureCount, int classCount, TrainingReport report,
        DataScaling? scaling = null)
        : base(network, device, featureCount, classCount, report, scaling)
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

/// <summary>A trained autoencoder: its outputs per row are the embedding followed by the reconstruction error.</summary>
internal sealed class TrainedAutoencoder : TrainedNetwork
{
    public TrainedAutoencoder(AutoencoderNetwork network, torch.Device device, int featureCount, TrainingReport report,
        DataScaling? scaling = null)
        : base(network, device, featureCount, featureCount, report, scaling)
    {
        Autoencoder = network;
    }

    public AutoencoderNetwork Autoencoder { get; }

    public int EmbeddingSize => (int)Autoencoder.EmbeddingSize;

    /// <summary>
    /// Writes rows x (EmbeddingSize + 1) values: each row's embedding, then its mean squared reconstruction error (of the
    /// scaled features, so every feature counts alike whatever its units).
    /// </summary>
    public void EncodeAndScore(ReadOnlySpan<float> features, int rows, Span<float> outputs) =>
        Run(features, rows, outputs, EmbeddingSize + 1, input =>
        {
            Tensor embedding = Autoencoder.Embed(input);
            return torch.cat(new[] { embedding, Autoencoder.ReconstructionError(input, embedding).unsqueeze(1) }, 1);
        });
}
