using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// One hidden layer: linear, optional normalization (of the pre-activation, or of the input with pre-norm),
/// activation, optional dropout, and optionally a residual shortcut around all of it (identity, or a bias-free linear
/// projection where the width changes), with the branch optionally scaled by a learnable ReZero scalar.
/// </summary>
internal sealed class HiddenBlock : nn.Module<Tensor, Tensor>
{
    private readonly Linear linear;
    private readonly nn.Module<Tensor, Tensor>? norm;
    private readonly nn.Module<Tensor, Tensor> activation;
    private readonly nn.Module<Tensor, Tensor>? dropout;
    private readonly Linear? projection;
    private readonly Parameter? branchScale;
    private readonly bool residual, preNorm;
    private readonly ActivationKind activationKind;
    private readonly float leakySlope;

    public HiddenBlock(string name, long inputSize, long outputSize, DeepNetworkOptions options) : base(name)
    {
        linear = nn.Linear(inputSize, outputSize);
        preNorm = options.PreNormalization;
        long normalized = preNorm ? inputSize : outputSize;
        norm = Normalizations.Create(options.EffectiveNormalization, normalized, options.NormalizationGroups, spatial: false);
        activation = Activations.Create(options.Activation, options.LeakyReLUSlope);
        dropout = Activations.Dropout(options.Activation, options.Dropout);
        residual = options.ResidualConnections;
        activationKind = options.Activation;
        leakySlope = options.LeakyReLUSlope;
        Probe = new ActivationProbe(activationKind);
        projection = residual && inputSize != outputSize ? nn.Linear(inputSize, outputSize, hasBias: false) : null;
        branchScale = options.ReZero ? new Parameter(torch.zeros(1)) : null;
        RegisterComponents();
    }

    /// <summary>Records the activation output's statistics for diagnostics.</summary>
    public ActivationProbe Probe { get; }

    /// <summary>The layer's main weight matrix (its gradient is what diagnostics watch).</summary>
    public Linear Linear => linear;

    /// <summary>The normalization layer, or null without one.</summary>
    public nn.Module<Tensor, Tensor>? Norm => norm;

    /// <summary>The learnable ReZero scale of the branch, or null without ReZero.</summary>
    public Parameter? BranchScale => branchScale;

    /// <summary>The shortcut's projection, or null for an identity shortcut or no shortcut.</summary>
    public Linear? Projection => projection;

    /// <summary>Emits this block's inference graph (dropout is the identity at inference and emits nothing).</summary>
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string Normalize(string value) => norm is null ? value : Normalizations.ExportOnnx(graph, norm, value, rank: 2);
        string output = OnnxLayers.Linear(graph, linear, preNorm ? Normalize(input) : input);
        if (!preNorm)
            output = Normalize(output);
        output = OnnxLayers.Activation(graph, activationKind, leakySlope, output);
        if (!residual)
            return output;
        if (branchScale is not null)
            output = graph.Node("Mul", new[] { output, OnnxLayers.Constant(graph, "rezero", branchScale) });
        return graph.Node("Add", new[] { output, projection != null ? OnnxLayers.Linear(graph, projection, input) : input });
    }

    /// <summary>The linear layer's output for <paramref name="input"/> (after the pre-norm, if any): what LSUV measures.</summary>
    public Tensor LinearOutput(Tensor input) => linear.forward(preNorm && norm != null ? Normalizations.Forward(norm, input) : input);

    public override Tensor forward(Tensor input)
    {
        Tensor output = LinearOutput(input);
        if (!preNorm && norm != null)
            output = Normalizations.Forward(norm, output);
        output = activation.forward(output);
        Probe.Record(output);
        if (dropout != null)
            output = dropout.forward(output);
        if (residual)
        {
            if (branchScale is not null)
                output = output * branchScale;
            output = output.Plus(projection != null ? projection.forward(input) : input);
        }
        return output;
    }
}
