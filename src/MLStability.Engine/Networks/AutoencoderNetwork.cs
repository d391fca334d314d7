using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// An MLP autoencoder: an encoder (the options' hidden layers, then a linear map to the embedding) and a mirrored
/// decoder (the hidden layers in reverse, then a linear map back to the input). Both are <see cref="MlpNetwork"/>s,
/// so residual connections, normalization, initialization and dropout apply as in any MLP. <see cref="DeepNetwork.Embed"/>
/// is the encoder's output; forward is the reconstruction.
/// </summary>
internal sealed class AutoencoderNetwork : DeepNetwork
{
    private readonly MlpNetwork encoder, decoder;
    private readonly WatchedLayer[] watched;
    private readonly long embeddingSize;

    public AutoencoderNetwork(int inputSize, int embeddingSize, DeepNetworkOptions options) : base(nameof(AutoencoderNetwork))
    {
        this.embeddingSize = embeddingSize;
        encoder = new MlpNetwork(inputSize, embeddingSize, options);
        var mirrored = options.Copy<DeepNetworkOptions>();
        mirrored.HiddenLayerSizes = options.ResolveHiddenLayerSizes().Reverse().ToArray();
        decoder = new MlpNetwork(embeddingSize, inputSize, mirrored);
        RegisterComponents();
        watched = encoder.WatchedLayers.Select(l => l with { Name = "encoder." + l.Name })
            .Concat(decoder.WatchedLayers.Select(l => l with { Name = "decoder." + l.Name })).ToArray();
    }

    /// <inheritdoc/>
    public override IReadOnlyList<WatchedLayer> WatchedLayers => watched;

    /// <inheritdoc/>
    public override IEnumerable<InitializedWeight> InitializedWeights() => encoder.InitializedWeights().Concat(decoder.InitializedWeights());

    /// <summary>The decoder's output layer.</summary>
    public override Linear Head => decoder.Head;

    /// <inheritdoc/>
    public override long EmbeddingSize => embeddingSize;

    /// <inheritdoc/>
    public override Tensor Embed(Tensor input) => encoder.forward(input);

    public override Tensor forward(Tensor input) => decoder.forward(encoder.forward(input));

    /// <summary>The mean squared reconstruction error of each row, [N].</summary>
    public Tensor ReconstructionError(Tensor input, Tensor embedding) => TensorOps.Squared(decoder.forward(embedding) - input).mean(new long[] { 1 });

    /// <inheritdoc/>
    public override string ExportEmbeddingOnnx(OnnxGraphBuilder graph, string input) => encoder.ExportOnnx(graph, input);

    /// <inheritdoc/>
    public override string ExportOnnx(OnnxGraphBuilder graph, string input) => decoder.ExportOnnx(graph, ExportEmbeddingOnnx(graph, input));

    /// <summary>Emits the embedding and the per-row reconstruction error ([N, 1]); returns both names.</summary>
    public (string Embedding, string Error) ExportWithErrorOnnx(OnnxGraphBuilder graph, string input)
    {
        string embedding = ExportEmbeddingOnnx(graph, input);
        string difference = graph.Node("Sub", new[] { decoder.ExportOnnx(graph, embedding), input });
        string error = graph.Node("ReduceMean", new[] { graph.Node("Mul", new[] { difference, difference }) },
            OnnxAttribute.Ints("axes", 1), OnnxAttribute.Int("keepdims", 1));
        return (embedding, error);
    }
}
