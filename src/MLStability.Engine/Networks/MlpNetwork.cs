using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// A multilayer perceptron of <see cref="HiddenBlock"/>s followed by a linear head producing logits. With residual
/// connections and a normalization, the residual stream (a sum that grows with depth) is normalized once more before the
/// head, so that the logits start at the same scale whatever the depth. With a <see cref="NumericEmbeddingKind"/>, the
/// features pass through a <see cref="PeriodicEmbedding"/> before the first block.
/// </summary>
internal sealed class MlpNetwork : DeepNetwork
{
    private readonly ModuleList<HiddenBlock> blocks = new();
    private readonly HiddenBlock[] blockArray; // the same blocks, for allocation-free access on every step
    private readonly nn.Module<Tensor, Tensor>? finalNorm;
    private readonly Linear head;
    private readonly PeriodicEmbedding? embedding;
    private readonly WatchedLayer[] watched;
    private Linear? linearShortcut;
    private MlpNetwork[] members = Array.Empty<MlpNetwork>(); // further trained MLPs averaged with this one

    public MlpNetwork(int inputSize, int outputSize, DeepNetworkOptions options) : base(nameof(MlpNetwork))
    {
        long width = inputSize;
        if (options.HasPeriodicEmbedding)
        {
            embedding = new PeriodicEmbedding("embedding", inputSize, options.PeriodicEmbeddingFrequencies,
                options.PeriodicEmbeddingWidth, options.PeriodicEmbeddingScale);
            width = embedding.OutputSize;
        }
        foreach (int size in options.ResolveHiddenLayerSizes())
        {
            blocks.Add(new HiddenBlock($"block{blocks.Count}", width, size, options));
            width = size;
        }
        if (options.ResidualConnections && blocks.Count > 0)
            finalNorm = Normalizations.Create(options.EffectiveNormalization, width, options.NormalizationGroups, spatial: false);
        head = nn.Linear(width, outputSize);
        blockArray = blocks.ToArray();
        RegisterComponents();
        var embeddingLayer = embedding is null ? Array.Empty<WatchedLayer>() : new[] { new WatchedLayer("embedding", () => embedding.Weight) };
        watched = embeddingLayer.Concat(blockArray.Select((b, i) => new WatchedLayer($"block{i}", () => b.Linear.weight!, b.Probe)))
            .Append(new WatchedLayer("head", () => head.weight!)).ToArray();
        WeightInitializer.Apply(this, options);
    }

    /// <summary>The numeric embedding of the features, or null without one.</summary>
    public PeriodicEmbedding? Embedding => embedding;

    /// <summary>The normalization of the residual stream before the head, or null without one.</summary>
    public nn.Module<Tensor, Tensor>? FinalNorm => finalNorm;

    /// <summary>The hidden layers, first to last.</summary>
    public IReadOnlyList<HiddenBlock> Blocks => blockArray;

    /// <inheritdoc/>
    public override Linear Head => head;

    /// <inheritdoc/>
    public override IReadOnlyList<WatchedLayer> WatchedLayers => watched;

    /// <summary>Every linear layer, in forward order: each block's linear (then its projection), then the head.</summary>
    public IEnumerable<Linear> LinearLayers()
    {
        foreach (HiddenBlock block in blocks)
        {
            yield return block.Linear;
            if (block.Projection != null)
                yield return block.Projection;
        }
        yield return head;
    }

    /// <inheritdoc/>
    public override IEnumerable<InitializedWeight> InitializedWeights() =>
        LinearLayers().Select(layer => new InitializedWeight(layer.weight!, layer.bias));

    /// <inheritdoc/>
    public override string ExportEmbeddingOnnx(OnnxGraphBuilder graph, string input)
    {
        string hidden = embedding is null ? input : embedding.ExportOnnx(graph, input);
        foreach (HiddenBlock block in blocks)
            hidden = block.ExportOnnx(graph, hidden);
        return finalNorm is null ? hidden : Normalizations.ExportOnnx(graph, finalNorm, hidden, rank: 2);
    }

    /// <summary>
    /// Combines this trained MLP with a trained linear model of the same (scaled) features into one network whose
    /// output is <paramref name="linearWeight"/> · linear(x) + <paramref name="networkWeight"/> · mlp(x) +
    /// <paramref name="offsets"/>: the head is scaled by the MLP's weight and a linear shortcut from the scaled features
    /// to the outputs carries the linear model's part (a wide-and-deep network whose two parts were trained apart and
    /// weighted by <see cref="StackingWeights"/>).
    /// </summary>
    public void AddLinearShortcut(Linear linearModel, double linearWeight, double networkWeight, float[] offsets)
    {
        if (linearShortcut is not null)
            throw new InvalidOperationException("The network already has a linear shortcut.");
        using var noGrad = torch.no_grad();
        ScaleHeads(networkWeight);
        var shortcut = nn.Linear(linearModel.weight!.shape[1], linearModel.weight.shape[0]).to(head.weight.device);
        shortcut.weight!.copy_(linearModel.weight * linearWeight);
        using var offsetTensor = torch.tensor(offsets).to(head.weight.device);
        shortcut.bias!.copy_(linearModel.bias! * linearWeight + offsetTensor);
        shortcut.eval();
        register_module("linear_shortcut", shortcut);
        linearShortcut = shortcut;
    }

    /// <summary>
    /// Makes this trained MLP an ensemble: its output becomes the mean of its own and <paramref name="others"/>' outputs
    /// (MLPs of the same inputs and outputs, trained apart from other seeds). Each head is scaled by 1 / members, so the
    /// mean costs no extra node; the ensemble is one network in scoring, the saved zip and ONNX. Averaging networks
    /// that differ only by their random start cancels much of the variance one network picks up on a small table
    /// (deep ensembles: Lakshminarayanan, Pritzel and Blundell, NeurIPS 2017). Call before <see cref="AddLinearShortcut"/>.
    /// </summary>
    public void AddMembers(IReadOnlyList<MlpNetwork> others)
    {
        if (members.Length > 0 || linearShortcut is not null)
            throw new InvalidOperationException("Members are added once, before the linear shortcut.");
        if (others.Any(o => o.members.Length > 0 || o.linearShortcut is not null || o.head.weight!.shape[0] != head.weight!.shape[0]))
            throw new ArgumentException("Members are plain MLPs with this network's outputs.", nameof(others));
        var list = new ModuleList<MlpNetwork>();
        foreach (var other in others)
        {
            other.eval();
            list.Add(other);
        }
        register_module("members", list);
        members = others.ToArray();
        using var noGrad = torch.no_grad();
        ScaleHeads(1.0 / (members.Length + 1));
    }

    /// <summary>The number of MLPs whose outputs are averaged (1 without <see cref="AddMembers"/>).</summary>
    public int MemberCount => members.Length + 1;

    /// <summary>Multiplies every member's head (weight and bias) by <paramref name="factor"/>: their summed output scales with it.</summary>
    private void ScaleHeads(double factor)
    {
        foreach (var network in members.Prepend(this))
        {
            network.head.weight!.mul_(factor);
            network.head.bias!.mul_(factor);
        }
    }

    /// <inheritdoc/>
    public override string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string output = base.ExportOnnx(graph, input);
        foreach (var member in members)
            output = graph.Node("Add", new[] { output, member.ExportOnnx(graph, input) });
        return linearShortcut is null ? output : graph.Node("Add", new[] { output, OnnxLayers.Linear(graph, linearShortcut, input) });
    }

    /// <summary>What the first hidden block receives: the features through the numeric embedding, where there is one.</summary>
    public Tensor EmbedFeatures(Tensor input) => embedding is null ? input : embedding.forward(input);

    /// <summary>The last block's output as the head sees it: through the final normalization, where there is one.</summary>
    public Tensor NormalizeBeforeHead(Tensor hidden) => finalNorm is null ? hidden : Normalizations.Forward(finalNorm, hidden);

    /// <summary>
    /// Everything before the head, in the current mode: the last hidden layer through the final normalization. In an
    /// ensemble (<see cref="AddMembers"/>) it is the first network's; the members have embeddings of their own.
    /// </summary>
    public override Tensor Embed(Tensor input)
    {
        Tensor hidden = EmbedFeatures(input);
        foreach (HiddenBlock block in blockArray)
            hidden = block.forward(hidden);
        return NormalizeBeforeHead(hidden);
    }

    public override Tensor forward(Tensor input)
    {
        Tensor output = head.forward(Embed(input));
        foreach (var member in members)
            output = output + member.forward(input);
        return linearShortcut is null ? output : output + linearShortcut.forward(input);
    }
}
