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
    private readonly Func<Tensor, Tensor> run;
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
        switch (Kind)
        {
            case RecurrentCellKind.LSTM:
                var lstm = nn.LSTM(inputSize, HiddenSize, batchFirst: true, bidirectional: both);
                run = x => lstm.forward(x, null).Item1;
                cell = lstm;
                break;
            case RecurrentCellKind.GRU:
                var gru = nn.GRU(inputSize, HiddenSize, batchFirst: true, bidirectional: both);
                run = x => gru.forward(x, null!).Item1;
                cell = gru;
                break;
            default:
                var rnn = nn.RNN(inputSize, HiddenSize, batchFirst: true, bidirectional: both);
                run = x => rnn.forward(x, null!).Item1;
                cell = rnn;
                break;
        }
        preNorm = options.PreNormalization;
        norm = Normalizations.Create(options.Normalization, preNorm ? inputSize : OutputSize, options.NormalizationGroups, spatial: false);
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

    /// <summary>Records the cell output's statistics (saturation of the tanh) for diagnostics.</summary>
    public ActivationProbe Probe { get; }

    /// <summary>The cell's parameter <paramref name="name"/> ("weight_ih", "weight_hh", "bias_ih", "bias_hh") of direction 0 or 1.</summary>
    public Parameter Weight(string name, int direction = 0) =>
        cell.named_parameters().First(p => p.name == $"{name}_l0{(direction == 1 ? "_reverse" : "")}").parameter;

    public override Tensor forward(Tensor input)
    {
        Tensor output = run(preNorm && norm != null ? norm.forward(input) : input);
        Probe.Record(output);
        if (!preNorm && norm != null)
            output = norm.forward(output);
        if (dropout != null)
            output = dropout.forward(output);
        if (!residual)
            return output;
        if (branchScale is not null)
            output = output * branchScale;
        return output.Plus(input);
    }

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
