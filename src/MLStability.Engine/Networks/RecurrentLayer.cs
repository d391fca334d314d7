using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// One recurrent layer over [N, T, input] sequences: a single-layer LSTM, GRU or tanh RNN (optionally
/// bidirectional), layer normalization of its output (or, with pre-norm, of its input), dropout, and a residual
/// shortcut around it where the input and output widths match (optionally ReZero-scaled).
/// </summary>
internal sealed class RecurrentLayer : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module cell;
    private readonly nn.Module<Tensor, Tensor>? norm;
    private readonly Dropout? dropout;
    private readonly Parameter? branchScale;
    private readonly bool residual, preNorm;

    public RecurrentLayer(string name, long inputSize, DeepNetworkOptions options) : base(name)
    {
        Kind = options.RecurrentCell;
        HiddenSize = options.RecurrentHiddenSize;
        Directions = options.Bidirectional ? 2 : 1;
        OutputSize = HiddenSize * Directions;
        InputSize = inputSize;
        bool both = options.Bidirectional;
        cell = Kind switch
        {
            RecurrentCellKind.LSTM => nn.LSTM(inputSize, HiddenSize, batchFirst: true, bidirectional: both),
            RecurrentCellKind.GRU => nn.GRU(inputSize, HiddenSize, batchFirst: true, bidirectional: both),
            _ => nn.RNN(inputSize, HiddenSize, batchFirst: true, bidirectional: both),
        };
        preNorm = options.PreNormalization;
        norm = Normalizations.Create(options.EffectiveNormalization, preNorm ? inputSize : OutputSize, options.NormalizationGroups, spatial: false);
        dropout = options.Dropout > 0 ? nn.Dropout(options.Dropout) : null;
        residual = options.ResidualConnections && inputSize == OutputSize;
        branchScale = residual && options.ReZero ? new Parameter(torch.zeros(1)) : null;
        Probe = new ActivationProbe(ActivationKind.Tanh); // every cell's output is a tanh (times a gate, for LSTM)
        RegisterComponents();
    }

    public RecurrentCellKind Kind { get; }
    public long InputSize { get; }
    public long HiddenSize { get; }
    public int Directions { get; }
    public long OutputSize { get; }

    /// <summary>The layer's shape class, for the kernel self-check.</summary>
    public RecurrentShape Shape => new(Kind, InputSize, HiddenSize, Directions == 2);

    /// <summary>How the cell runs with autograd on (training); set by the kernel self-check.</summary>
    public RecurrentRoute TrainingRoute { get; set; }

    /// <summary>How the cell runs without autograd (validation and scoring); set by the kernel self-check.</summary>
    public RecurrentRoute InferenceRoute { get; set; }

    /// <summary>Records the cell output's statistics (saturation of the tanh) for diagnostics.</summary>
    public ActivationProbe Probe { get; }

    /// <summary>The cell's parameter <paramref name="name"/> ("weight_ih", "weight_hh", "bias_ih", "bias_hh") of direction 0 or 1.</summary>
    public Parameter Weight(string name, int direction = 0) =>
        cell.named_parameters().First(p => p.name == $"{name}_l0{(direction == 1 ? "_reverse" : "")}").parameter;

    public override Tensor forward(Tensor input)
    {
        Tensor output = Run(preNorm && norm != null ? Normalizations.Forward(norm, input) : input);
        Probe.Record(output);
        if (!preNorm && norm != null)
            output = Normalizations.Forward(norm, output);
        if (dropout != null)
            output = dropout.forward(output);
        if (!residual)
            return output;
        if (branchScale is not null)
            output = output * branchScale;
        return output.Plus(input);
    }

    /// <summary>Runs the cell over [N, T, input] by the route of the current autograd mode.</summary>
    private Tensor Run(Tensor sequence) => (torch.is_grad_enabled() ? TrainingRoute : InferenceRoute) switch
    {
        RecurrentRoute.Composed => RecurrentKernels.Composed(Kind, sequence, RecurrentKernels.Weights(cell, Directions)),
        RecurrentRoute.WithoutOneDnn => RecurrentKernels.WithoutOneDnn(cell, sequence),
        RecurrentRoute.TrainingKernel => RecurrentKernels.TrainingKernel(cell, sequence), // set for inference only
        _ => RecurrentKernels.Library(cell, sequence),
    };

    /// <summary>Emits the layer over a [T, N, input] sequence; returns the [T, N, output] sequence.</summary>
    public string ExportOnnx(OnnxGraphBuilder graph, string sequence)
    {
        string Normalize(string value) => norm is null ? value : Normalizations.ExportOnnx(graph, norm, value, rank: 3);
        string output = OnnxRecurrent.Cell(graph, this, preNorm ? Normalize(sequence) : sequence);
        if (!preNorm)
            output = Normalize(output);
        if (!residual)
            return output;
        if (branchScale is not null)
            output = graph.Node("Mul", new[] { output, OnnxLayers.Constant(graph, "rezero", branchScale) });
        return graph.Node("Add", new[] { output, sequence });
    }
}
