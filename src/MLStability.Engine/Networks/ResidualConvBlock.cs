using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// The basic block of a ResNet: two 3x3 convolutions with normalization and activation, and a shortcut around them
/// (identity, or a strided 1x1 projection where the size or channels change). Post-norm (He et al. 2015):
/// y = act(norm2(conv2(act(norm1(conv1 x)))) + shortcut x). Pre-norm (He et al. 2016):
/// y = conv2(act(norm2(conv1(act(norm1 x))))) + shortcut x. Without residual connections it is the "plain" block;
/// with ReZero the branch is scaled by a learnable scalar that starts at 0.
/// </summary>
internal sealed class ResidualConvBlock : nn.Module<Tensor, Tensor>
{
    private readonly ConvUnit first, second;
    private readonly ConvUnit? projection;
    private readonly nn.Module<Tensor, Tensor> activation1, activation2;
    private readonly Parameter? branchScale;
    private readonly bool residual, preNorm;
    private readonly ActivationKind activationKind;
    private readonly float leakySlope;

    /// <param name="name">Module name.</param>
    /// <param name="inputChannels">Channels in.</param>
    /// <param name="outputChannels">Channels out.</param>
    /// <param name="stride">1, or 2 to halve the image.</param>
    /// <param name="options">Normalization, activation, residual and initialization options.</param>
    /// <param name="inputSize">The size of the images the block gets.</param>
    public ResidualConvBlock(string name, long inputChannels, long outputChannels, long stride, DeepNetworkOptions options, ImageSize inputSize) : base(name)
    {
        preNorm = options.PreNormalization;
        residual = options.ResidualConnections;
        activationKind = options.Activation;
        leakySlope = options.LeakyReLUSlope;
        var kind = options.EffectiveNormalization;
        int groups = options.NormalizationGroups;
        first = new ConvUnit("conv1", inputChannels, outputChannels, 3, stride, kind, preNorm ? inputChannels : outputChannels, groups, inputSize);
        second = new ConvUnit("conv2", outputChannels, outputChannels, 3, 1, kind, outputChannels, groups, first.OutputSize);
        if (residual && (stride != 1 || inputChannels != outputChannels))
            projection = new ConvUnit("shortcut", inputChannels, outputChannels, 1, stride, preNorm ? NormalizationKind.None : kind, outputChannels, groups, inputSize);
        activation1 = Activations.Create(activationKind, leakySlope);
        activation2 = Activations.Create(activationKind, leakySlope);
        branchScale = options.ReZero ? new Parameter(torch.zeros(1)) : null;
        FirstProbe = new ActivationProbe(activationKind);
        SecondProbe = new ActivationProbe(activationKind);
        RegisterComponents();
        if (options.ZeroInitLastNormalization && second.Norm is { } lastNorm)
        {
            using var noGrad = torch.no_grad();
            Normalizations.Scale(lastNorm).zero_();
        }
    }

    public ConvUnit First => first;

    public ConvUnit Second => second;

    /// <summary>The size of the images the block makes.</summary>
    public ImageSize OutputSize => second.OutputSize;

    public ConvUnit? Projection => projection;

    /// <summary>Statistics of the first activation.</summary>
    public ActivationProbe FirstProbe { get; }

    /// <summary>Statistics of the second activation.</summary>
    public ActivationProbe SecondProbe { get; }

    public override Tensor forward(Tensor input)
    {
        Tensor branch;
        if (preNorm)
        {
            Tensor hidden = Activate(activation1, FirstProbe, first.Normalize(input));
            hidden = first.Convolve(hidden);
            branch = second.Convolve(Activate(activation2, SecondProbe, second.Normalize(hidden)));
            return residual ? Join(branch, input) : branch;
        }
        branch = second.forward(Activate(activation1, FirstProbe, first.forward(input)));
        return Activate(activation2, SecondProbe, residual ? Join(branch, input) : branch);
    }

    private Tensor Join(Tensor branch, Tensor input)
    {
        if (branchScale is not null)
            branch = branch * branchScale;
        return branch.Plus(projection?.forward(input) ?? input);
    }

    private static Tensor Activate(nn.Module<Tensor, Tensor> activation, ActivationProbe probe, Tensor input)
    {
        Tensor output = activation.forward(input);
        probe.Record(output);
        return output;
    }

    /// <summary>Emits the block's inference graph, mirroring <see cref="forward"/>.</summary>
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string Activate(string value) => OnnxLayers.Activation(graph, activationKind, leakySlope, value);
        string branch;
        if (preNorm)
        {
            string hidden = first.ExportConvolve(graph, Activate(first.ExportNormalize(graph, input)));
            branch = second.ExportConvolve(graph, Activate(second.ExportNormalize(graph, hidden)));
            return residual ? ExportJoin(graph, branch, input) : branch;
        }
        string inner = Activate(first.ExportNormalize(graph, first.ExportConvolve(graph, input)));
        branch = second.ExportNormalize(graph, second.ExportConvolve(graph, inner));
        return Activate(residual ? ExportJoin(graph, branch, input) : branch);
    }

    private string ExportJoin(OnnxGraphBuilder graph, string branch, string input)
    {
        if (branchScale is not null)
            branch = graph.Node("Mul", new[] { branch, OnnxLayers.Constant(graph, "rezero", branchScale) });
        string shortcut = projection is null ? input : projection.ExportNormalize(graph, projection.ExportConvolve(graph, input));
        return graph.Node("Add", new[] { branch, shortcut });
    }
}
