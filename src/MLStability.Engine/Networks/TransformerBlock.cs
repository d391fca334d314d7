using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// One Transformer encoder block over [N, T, d] tokens: multi-head self-attention, then an MLP (d to
/// <see cref="DeepNetworkOptions.EffectiveFeedForwardWidth"/> to d with the options' activation), each a residual
/// branch with dropout on its output and, with ReZero, a learnable scale that starts at 0. The normalization sits where
/// <see cref="DeepNetworkOptions.NormalizationPlacement"/> says: pre-norm x + f(Norm(x)), post-norm Norm(x + f(x)), or
/// DeepNorm Norm(alpha x + f(x)).
/// </summary>
internal sealed class TransformerBlock : nn.Module<Tensor, Tensor>
{
    private readonly SelfAttention attention;
    private readonly Linear expand, contract;
    private readonly nn.Module<Tensor, Tensor> activation;
    private readonly nn.Module<Tensor, Tensor>? attentionNorm, mlpNorm, dropout;
    private readonly Parameter? attentionScale, mlpScale;
    private readonly NormalizationPlacement placement;
    private readonly bool residual;
    private readonly float shortcutScale;
    private readonly ActivationKind activationKind;
    private readonly float leakySlope;

    /// <param name="name">Module name.</param>
    /// <param name="options">Width, heads, MLP width, normalization and its placement, residual and dropout options.</param>
    /// <param name="shortcutScale">What the residual path is multiplied by: DeepNorm's alpha, else 1.</param>
    public TransformerBlock(string name, DeepNetworkOptions options, float shortcutScale) : base(name)
    {
        long width = options.ModelWidth, hidden = options.EffectiveFeedForwardWidth;
        placement = options.EffectiveNormalizationPlacement;
        residual = options.ResidualConnections;
        this.shortcutScale = shortcutScale;
        activationKind = options.Activation;
        leakySlope = options.LeakyReLUSlope;
        attention = new SelfAttention("attention", width, options.AttentionHeads, options.AttentionDropout);
        expand = nn.Linear(width, hidden);
        contract = nn.Linear(hidden, width);
        activation = Activations.Create(activationKind, leakySlope);
        attentionNorm = Normalizations.Create(options.EffectiveNormalization, width, options.NormalizationGroups, spatial: false);
        mlpNorm = Normalizations.Create(options.EffectiveNormalization, width, options.NormalizationGroups, spatial: false);
        dropout = options.Dropout > 0 ? nn.Dropout(options.Dropout) : null;
        attentionScale = options.ReZero ? new Parameter(torch.zeros(1)) : null;
        mlpScale = options.ReZero ? new Parameter(torch.zeros(1)) : null;
        MlpProbe = new ActivationProbe(activationKind);
        RegisterComponents();
    }

    public SelfAttention Attention => attention;

    /// <summary>The MLP's first layer (its gradient is what diagnostics watch for the MLP).</summary>
    public Linear Expand => expand;

    /// <summary>The MLP's second layer.</summary>
    public Linear Contract => contract;

    /// <summary>Records the MLP activation's statistics for diagnostics.</summary>
    public ActivationProbe MlpProbe { get; }

    public override Tensor forward(Tensor tokens)
    {
        tokens = Sublayer(tokens, attentionNorm, attentionScale, attention.forward);
        return Sublayer(tokens, mlpNorm, mlpScale, Mlp);
    }

    private Tensor Mlp(Tensor tokens)
    {
        Tensor hidden = activation.forward(expand.forward(tokens));
        MlpProbe.Record(hidden);
        return contract.forward(hidden);
    }

    private Tensor Sublayer(Tensor tokens, nn.Module<Tensor, Tensor>? norm, Parameter? scale, Func<Tensor, Tensor> branch)
    {
        bool preNorm = placement == NormalizationPlacement.PreNorm;
        Tensor output = branch(preNorm && norm is not null ? norm.forward(tokens) : tokens);
        if (dropout is not null)
            output = dropout.forward(output);
        if (scale is not null)
            output = output * scale;
        if (residual)
            output = output.Plus(shortcutScale == 1 ? tokens : tokens.mul(TensorOps.Constant(shortcutScale)));
        return !preNorm && norm is not null ? norm.forward(output) : output;
    }

    /// <summary>Emits the block over [N, T, d] tokens, mirroring <see cref="forward"/> (dropout emits nothing).</summary>
    public string ExportOnnx(OnnxGraphBuilder graph, string tokens)
    {
        tokens = ExportSublayer(graph, tokens, attentionNorm, attentionScale, t => attention.ExportOnnx(graph, t));
        return ExportSublayer(graph, tokens, mlpNorm, mlpScale, t =>
            OnnxLayers.TokenLinear(graph, contract, OnnxLayers.Activation(graph, activationKind, leakySlope, OnnxLayers.TokenLinear(graph, expand, t))));
    }

    private string ExportSublayer(OnnxGraphBuilder graph, string tokens, nn.Module<Tensor, Tensor>? norm, Parameter? scale, Func<string, string> branch)
    {
        bool preNorm = placement == NormalizationPlacement.PreNorm;
        string Normalize(string value) => norm is null ? value : Normalizations.ExportOnnx(graph, norm, value, rank: 3);
        string output = branch(preNorm ? Normalize(tokens) : tokens);
        if (scale is not null)
            output = graph.Node("Mul", new[] { output, OnnxLayers.Constant(graph, "rezero", scale) });
        if (residual)
        {
            string shortcut = shortcutScale == 1 ? tokens : graph.Node("Mul", new[] { tokens, graph.Initializer("deepnorm_alpha", new[] { shortcutScale }) });
            output = graph.Node("Add", new[] { output, shortcut });
        }
        return preNorm ? output : Normalize(output);
    }
}
