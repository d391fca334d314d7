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
    private readonly Dropout? dropout;
    private readonly Linear? projection;
    private readonly Parameter? branchScale;
    private readonly bool residual, preNorm;
    private readonly NormalizationKind normalization;
    private readonly ActivationKind activationKind;
    private readonly float leakySlope;

    public HiddenBlock(string name, long inputSize, long outputSize, DeepNetworkOptions options) : base(name)
    {
        linear = nn.Linear(inputSize, outputSize);
        preNorm = options.PreNormalization;
        long normalized = preNorm ? inputSize : outputSize;
        norm = options.Normalization switch
        {
            NormalizationKind.BatchNorm => nn.BatchNorm1d(normalized),
            NormalizationKind.LayerNorm => nn.LayerNorm(normalized),
            _ => null,
        };
        activation = Activations.Create(options.Activation, options.LeakyReLUSlope);
        dropout = options.Dropout > 0 ? nn.Dropout(options.Dropout) : null;
        residual = options.ResidualConnections;
        normalization = options.Normalization;
        activationKind = options.Activation;
        leakySlope = options.LeakyReLUSlope;
        projection = residual && inputSize != outputSize ? nn.Linear(inputSize, outputSize, hasBias: false) : null;
        branchScale = options.ReZero ? new Parameter(torch.zeros(1)) : null;
        RegisterComponents();
    }

    /// <summary>When true, <see cref="forward"/> records statistics of the activation output (for diagnostics).</summary>
    public bool CaptureActivations { get; set; }

    /// <summary>
    /// [mean, std, saturated fraction, dead fraction] of the last captured activation output; it lives in the
    /// dispose scope of the step that computed it.
    /// </summary>
    public Tensor? LastActivationStatistics { get; private set; }

    /// <summary>The layer's main weight matrix (its gradient is what diagnostics watch).</summary>
    public Linear Linear => linear;

    /// <summary>The shortcut's projection, or null for an identity shortcut or no shortcut.</summary>
    public Linear? Projection => projection;

    /// <summary>Emits this block's inference graph (dropout is the identity at inference and emits nothing).</summary>
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string Normalize(string value) => normalization switch
        {
            NormalizationKind.LayerNorm => OnnxLayers.LayerNorm(graph, (LayerNorm)norm!, value),
            NormalizationKind.BatchNorm => OnnxLayers.BatchNorm(graph, (BatchNorm1d)norm!, value),
            _ => value,
        };
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

    /// <summary>Saturation applies to bounded activations, dead units to the ReLU family.</summary>
    private Tensor ActivationStatistics(Tensor output)
    {
        using var noGrad = torch.no_grad();
        Tensor y = output.detach();
        var (std, mean) = torch.std_mean(y);
        Tensor zero = torch.zeros_like(mean);
        return activationKind switch
        {
            ActivationKind.Sigmoid => torch.stack(new[] { mean, std, (y - 0.5).abs_().gt(0.49).to_type(ScalarType.Float32).mean(), zero }),
            ActivationKind.Tanh => torch.stack(new[] { mean, std, y.abs().gt(0.99).to_type(ScalarType.Float32).mean(), zero }),
            _ => torch.stack(new[] { mean, std, zero, y.le(0).all(0).to_type(ScalarType.Float32).mean() }),
        };
    }

    public override Tensor forward(Tensor input)
    {
        Tensor output = linear.forward(preNorm && norm != null ? norm.forward(input) : input);
        if (!preNorm && norm != null)
            output = norm.forward(output);
        output = activation.forward(output);
        if (CaptureActivations)
            LastActivationStatistics = ActivationStatistics(output);
        if (dropout != null)
            output = dropout.forward(output);
        if (residual)
        {
            if (branchScale is not null)
                output = output * branchScale;
            output = output + (projection != null ? projection.forward(input) : input);
        }
        return output;
    }
}
