using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// A convolutional residual network for images given as flat CHW vectors: a 3x3 stem, stages of
/// <see cref="ResidualConvBlock"/>s (each stage after the first starts with a stride-2 block), global average
/// pooling, dropout and a linear head. With pre-norm blocks a final normalization and activation precede pooling.
/// </summary>
internal sealed class ResNetNetwork : DeepNetwork
{
    private readonly ConvUnit stem;
    private readonly nn.Module<Tensor, Tensor> stemActivation;
    private readonly ModuleList<ResidualConvBlock> blocks = new();
    private readonly ResidualConvBlock[] blockArray;
    private readonly nn.Module<Tensor, Tensor>? finalNorm;
    private readonly nn.Module<Tensor, Tensor>? finalActivation;
    private readonly nn.Module<Tensor, Tensor>? dropout;
    private readonly Linear head;
    private readonly long channels, height, width;
    private readonly bool preNorm;
    private readonly ActivationKind activationKind;
    private readonly float leakySlope;
    private readonly ActivationProbe stemProbe;
    private readonly WatchedLayer[] watched;

    public ResNetNetwork(int[] inputShape, int outputSize, DeepNetworkOptions options) : base(nameof(ResNetNetwork))
    {
        (channels, height, width) = (inputShape[0], inputShape[1], inputShape[2]);
        preNorm = options.PreNormalization;
        activationKind = options.Activation;
        leakySlope = options.LeakyReLUSlope;
        int[] stages = options.ResNetChannels;
        // A pre-norm network's stem is a bare convolution: the first block normalizes and activates its output.
        var stemNorm = preNorm ? NormalizationKind.None : options.EffectiveNormalization;
        stem = new ConvUnit("stem", channels, stages[0], 3, 1, stemNorm, stages[0], options.NormalizationGroups, new ImageSize(height, width));
        stemActivation = Activations.Create(activationKind, leakySlope);
        stemProbe = new ActivationProbe(activationKind);
        long inputChannels = stages[0];
        var size = stem.OutputSize;
        for (int s = 0; s < stages.Length; s++)
        {
            for (int b = 0; b < options.ResNetBlocksPerStage; b++)
            {
                long stride = s > 0 && b == 0 ? 2 : 1;
                var block = new ResidualConvBlock($"stage{s}_block{b}", inputChannels, stages[s], stride, options, size);
                blocks.Add(block);
                inputChannels = stages[s];
                size = block.OutputSize;
            }
        }
        if (preNorm)
        {
            finalNorm = Normalizations.Create(options.EffectiveNormalization, inputChannels, options.NormalizationGroups, spatial: true);
            finalActivation = Activations.Create(activationKind, leakySlope);
        }
        dropout = Activations.Dropout(options.Activation, options.Dropout);
        head = nn.Linear(inputChannels, outputSize);
        blockArray = blocks.ToArray();
        RegisterComponents();
        var layers = new List<WatchedLayer> { new("stem", () => stem.Conv.weight!, preNorm ? null : stemProbe) };
        foreach (var block in blockArray)
        {
            string name = block.GetName();
            layers.Add(new WatchedLayer(name + ".conv1", () => block.First.Conv.weight!, block.FirstProbe));
            layers.Add(new WatchedLayer(name + ".conv2", () => block.Second.Conv.weight!, block.SecondProbe));
        }
        layers.Add(new WatchedLayer("head", () => head.weight!));
        watched = layers.ToArray();
        WeightInitializer.Apply(this, options);
    }

    /// <summary>The residual blocks, input to output.</summary>
    public IReadOnlyList<ResidualConvBlock> Blocks => blockArray;

    /// <inheritdoc/>
    public override IReadOnlyList<WatchedLayer> WatchedLayers => watched;

    /// <inheritdoc/>
    public override IEnumerable<InitializedWeight> InitializedWeights()
    {
        yield return new InitializedWeight(stem.Conv.weight!, stem.Conv.bias);
        foreach (var block in blockArray)
        {
            yield return new InitializedWeight(block.First.Conv.weight!, block.First.Conv.bias);
            yield return new InitializedWeight(block.Second.Conv.weight!, block.Second.Conv.bias);
            if (block.Projection is { } projection)
                yield return new InitializedWeight(projection.Conv.weight!, projection.Conv.bias, Gain: 1.0);
        }
        yield return new InitializedWeight(head.weight!, head.bias, Gain: 1.0);
    }

    /// <inheritdoc/>
    public override Linear Head => head;

    /// <inheritdoc/>
    public override Tensor Embed(Tensor input)
    {
        Tensor hidden = stem.forward(input.view(-1, channels, height, width));
        if (!preNorm)
        {
            hidden = stemActivation.forward(hidden);
            stemProbe.Record(hidden);
        }
        foreach (var block in blockArray)
            hidden = block.forward(hidden);
        if (finalNorm != null)
            hidden = Normalizations.Forward(finalNorm, hidden);
        if (finalActivation != null)
            hidden = finalActivation.forward(hidden);
        return hidden.mean(new long[] { 2, 3 });
    }

    public override Tensor forward(Tensor input)
    {
        Tensor pooled = Embed(input);
        return head.forward(dropout != null ? dropout.forward(pooled) : pooled);
    }

    /// <inheritdoc/>
    public override string ExportEmbeddingOnnx(OnnxGraphBuilder graph, string input)
    {
        string image = OnnxLayers.Reshape(graph, input, -1, channels, height, width);
        string hidden = stem.ExportNormalize(graph, stem.ExportConvolve(graph, image));
        if (!preNorm)
            hidden = OnnxLayers.Activation(graph, activationKind, leakySlope, hidden);
        foreach (var block in blockArray)
            hidden = block.ExportOnnx(graph, hidden);
        if (finalNorm != null)
            hidden = Normalizations.ExportOnnx(graph, finalNorm, hidden, rank: 4);
        if (finalActivation != null)
            hidden = OnnxLayers.Activation(graph, activationKind, leakySlope, hidden);
        return graph.Node("Flatten", new[] { graph.Node("GlobalAveragePool", new[] { hidden }) }, OnnxAttribute.Int("axis", 1));
    }
}
