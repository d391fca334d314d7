using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// What the training engine needs from any network it trains: the forward pass (flat features [N, D] to outputs
/// [N, K]), the layers whose gradients diagnostics watch, the weights that initialization fills, and an ONNX form.
/// The loop, optimizers, recovery, checkpoints and diagnostics work on this type only, so every network kind gets
/// every stability technique.
/// </summary>
internal abstract class DeepNetwork : nn.Module<Tensor, Tensor>
{
    protected DeepNetwork(string name) : base(name)
    {
    }

    /// <summary>The watched layers, input to output; the last is the head.</summary>
    public abstract IReadOnlyList<WatchedLayer> WatchedLayers { get; }

    /// <summary>Every weight that <see cref="DeepNetworkOptions.Initialization"/> fills, with its bias.</summary>
    public abstract IEnumerable<InitializedWeight> InitializedWeights();

    /// <summary>The output layer: a linear map from the embedding to the outputs.</summary>
    public abstract Linear Head { get; }

    /// <summary>The width of <see cref="Embed"/>'s output: the head's input.</summary>
    public virtual long EmbeddingSize => Head.weight!.shape[1];

    /// <summary>
    /// Everything before the head, in the current mode: the last hidden layer (MLP), the pooled features (ResNet),
    /// the pooled sequence (Recurrent). [N, D] features to [N, EmbeddingSize].
    /// </summary>
    public abstract Tensor Embed(Tensor input);

    /// <summary>Emits <see cref="Embed"/>'s inference graph; returns the embedding's name.</summary>
    public abstract string ExportEmbeddingOnnx(OnnxGraphBuilder graph, string input);

    /// <summary>Adds the nodes that compute the network's output from <paramref name="input"/>; returns its name.</summary>
    public virtual string ExportOnnx(OnnxGraphBuilder graph, string input) => OnnxLayers.Linear(graph, Head, ExportEmbeddingOnnx(graph, input));

    /// <summary>Switches activation statistics on or off for every watched layer that records them.</summary>
    public void CaptureActivations(bool capture)
    {
        foreach (var layer in WatchedLayers)
        {
            if (layer.Probe != null)
                layer.Probe.Capture = capture;
            if (layer.Attention != null)
                layer.Attention.Capture = capture;
        }
    }
}

/// <summary>A layer whose gradient, weight and update statistics the diagnostics report.</summary>
/// <param name="Name">Its name in reports and plots ("block0", "stage2.block1.conv1", "rnn0", "head").</param>
/// <param name="CurrentWeight">Reads the weight whose gradient is watched from its module, at each use.</param>
/// <param name="Probe">Records the statistics of the activation that follows it, or null.</param>
/// <param name="Attention">Records the entropy of its attention weights (a Transformer block's attention), or null.</param>
internal sealed record WatchedLayer(string Name, Func<Parameter> CurrentWeight, ActivationProbe? Probe = null, AttentionProbe? Attention = null)
{
    /// <summary>
    /// The module's weight now. Read at each use, never kept: moving a network to another device or dtype
    /// (<c>network.to(cuda)</c>) replaces every parameter with a new one, so a weight kept from construction would be
    /// the stale CPU copy (no gradient, or a disposed handle) on CUDA.
    /// </summary>
    public Parameter Weight => CurrentWeight();
}

/// <summary>How a weight is initialized.</summary>
internal enum WeightRole
{
    /// <summary>A linear or convolution weight [out, in, kernel...], scaled by its fans.</summary>
    FeedForward,
    /// <summary>A recurrent hidden-to-hidden weight [gates x H, H], initialized gate block by gate block.</summary>
    Recurrent,
}

/// <summary>A weight to initialize, its bias (zeroed), and its role.</summary>
internal sealed record InitializedWeight(Tensor Weight, Tensor? Bias, WeightRole Role = WeightRole.FeedForward, double? Gain = null);
