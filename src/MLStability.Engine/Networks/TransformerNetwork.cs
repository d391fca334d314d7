using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// A Transformer encoder (<see cref="NetworkKind.Transformer"/>): tokens, <see cref="DeepNetworkOptions.TransformerLayers"/>
/// <see cref="TransformerBlock"/>s, a final normalization for pre-norm blocks, the mean over tokens, dropout-free
/// linear head. Sequences ([T, F]) become one token per step: a linear projection of the step's features plus a
/// learned positional encoding. Tables ([D], or no InputShape) become one token per feature, as in FT-Transformer
/// (Gorishniy et al. 2021): x_j w_j + b_j with a learned vector w_j and bias b_j per feature, which also tells the
/// blocks which feature a token is.
/// </summary>
internal sealed class TransformerNetwork : DeepNetwork
{
    /// <summary>Standard deviation of the positional encoding's initial values (BERT's and GPT-2's).</summary>
    private const double PositionScale = 0.02;

    private readonly Linear? stepProjection;
    private readonly Parameter? position, featureWeight, featureBias;
    private readonly ModuleList<TransformerBlock> blocks = new();
    private readonly TransformerBlock[] blockArray;
    private readonly nn.Module<Tensor, Tensor>? finalNorm;
    private readonly Linear head;
    private readonly long tokens, featuresPerToken, width;
    private readonly WatchedLayer[] watched;

    public TransformerNetwork(int inputSize, int outputSize, DeepNetworkOptions options) : base(nameof(TransformerNetwork))
    {
        width = options.ModelWidth;
        bool sequence = options.InputShape is { Length: 2 };
        (tokens, featuresPerToken) = sequence ? (options.InputShape![0], options.InputShape[1]) : (inputSize, 1);
        if (sequence)
        {
            stepProjection = nn.Linear(featuresPerToken, width);
            position = new Parameter(torch.zeros(tokens, width));
        }
        else
        {
            // FT-Transformer's initialization, which Initialization = Default keeps (the other kinds replace it).
            double bound = 1 / Math.Sqrt(width);
            featureWeight = new Parameter(torch.empty(tokens, width).uniform_(-bound, bound));
            featureBias = new Parameter(torch.empty(tokens, width).uniform_(-bound, bound));
        }
        var placement = options.EffectiveNormalizationPlacement;
        int layers = options.TransformerLayers;
        float alpha = placement == NormalizationPlacement.DeepNorm ? (float)Math.Pow(2.0 * layers, 0.25) : 1f;
        for (int i = 0; i < layers; i++)
            blocks.Add(new TransformerBlock($"block{i}", options, alpha));
        blockArray = blocks.ToArray();
        if (placement == NormalizationPlacement.PreNorm)
            finalNorm = Normalizations.Create(options.EffectiveNormalization, width, options.NormalizationGroups, spatial: false);
        head = nn.Linear(width, outputSize);
        RegisterComponents();

        var layersWatched = new List<WatchedLayer> { new("tokens", () => stepProjection?.weight ?? featureWeight!) };
        foreach (var block in blockArray)
        {
            string name = block.GetName();
            layersWatched.Add(new WatchedLayer(name + ".attention", () => block.Attention.QueryKeyValue.weight!, Attention: block.Attention.Probe));
            layersWatched.Add(new WatchedLayer(name + ".mlp", () => block.Expand.weight!, block.MlpProbe));
        }
        layersWatched.Add(new WatchedLayer("head", () => head.weight!));
        watched = layersWatched.ToArray();

        WeightInitializer.Apply(this, options);
        using (torch.no_grad())
        {
            position?.normal_(0, PositionScale);
            if (placement == NormalizationPlacement.DeepNorm)
                ShrinkDeepNormBranches(layers);
        }
    }

    /// <summary>The encoder blocks, input to output.</summary>
    public IReadOnlyList<TransformerBlock> Blocks => blockArray;

    /// <summary>Tokens per example: steps of a sequence, or features of a table.</summary>
    public long Tokens => tokens;

    /// <inheritdoc/>
    public override IReadOnlyList<WatchedLayer> WatchedLayers => watched;

    /// <inheritdoc/>
    public override IEnumerable<InitializedWeight> InitializedWeights()
    {
        // Attention and output projections keep unit gain (their outputs feed no nonlinearity); the MLP's first layer
        // takes the activation's gain.
        if (stepProjection is not null)
            yield return new InitializedWeight(stepProjection.weight!, stepProjection.bias, Gain: 1.0);
        else
            yield return new InitializedWeight(featureWeight!, featureBias, Gain: 1.0);
        foreach (var block in blockArray)
        {
            yield return new InitializedWeight(block.Attention.QueryKeyValue.weight!, block.Attention.QueryKeyValue.bias, Gain: 1.0);
            yield return new InitializedWeight(block.Attention.Output.weight!, block.Attention.Output.bias, Gain: 1.0);
            yield return new InitializedWeight(block.Expand.weight!, block.Expand.bias);
            yield return new InitializedWeight(block.Contract.weight!, block.Contract.bias, Gain: 1.0);
        }
        yield return new InitializedWeight(head.weight!, head.bias, Gain: 1.0);
    }

    /// <summary>DeepNorm's initialization: the value, output and MLP weights of every block times beta = (8N)^(-1/4).</summary>
    private void ShrinkDeepNormBranches(int layers)
    {
        var beta = TensorOps.Constant(Math.Pow(8.0 * layers, -0.25));
        foreach (var block in blockArray)
        {
            using var values = block.Attention.QueryKeyValue.weight!.narrow(0, 2 * width, width);
            values.mul_(beta);
            block.Attention.Output.weight!.mul_(beta);
            block.Expand.weight!.mul_(beta);
            block.Contract.weight!.mul_(beta);
        }
    }

    /// <inheritdoc/>
    public override Linear Head => head;

    /// <summary>[N, D] features to [N, T, d] tokens.</summary>
    public Tensor Tokenize(Tensor input)
    {
        if (stepProjection is not null)
            return stepProjection.forward(input.view(-1, tokens, featuresPerToken)).Plus(position!);
        return (input.unsqueeze(-1) * featureWeight!).Plus(featureBias!);
    }

    /// <inheritdoc/>
    public override Tensor Embed(Tensor input)
    {
        Tensor hidden = Tokenize(input);
        foreach (var block in blockArray)
            hidden = block.forward(hidden);
        if (finalNorm is not null)
            hidden = finalNorm.forward(hidden);
        return hidden.mean(new long[] { 1 });
    }

    public override Tensor forward(Tensor input) => head.forward(Embed(input));

    /// <inheritdoc/>
    public override string ExportEmbeddingOnnx(OnnxGraphBuilder graph, string input)
    {
        string hidden;
        if (stepProjection is not null)
        {
            string steps = OnnxLayers.Reshape(graph, input, -1, tokens, featuresPerToken);
            hidden = graph.Node("Add", new[] { OnnxLayers.TokenLinear(graph, stepProjection, steps), OnnxLayers.Constant(graph, "position", position!) });
        }
        else
        {
            string values = graph.Node("Unsqueeze", new[] { input, graph.Int64s("axes", 2) }); // [N, D, 1]
            hidden = graph.Node("Add", new[]
            {
                graph.Node("Mul", new[] { values, OnnxLayers.Constant(graph, "feature_weight", featureWeight!) }),
                OnnxLayers.Constant(graph, "feature_bias", featureBias!),
            });
        }
        foreach (var block in blockArray)
            hidden = block.ExportOnnx(graph, hidden);
        if (finalNorm is not null)
            hidden = Normalizations.ExportOnnx(graph, finalNorm, hidden, rank: 3);
        return graph.Node("ReduceMean", new[] { hidden }, OnnxAttribute.Ints("axes", 1), OnnxAttribute.Int("keepdims", 0));
    }
}
