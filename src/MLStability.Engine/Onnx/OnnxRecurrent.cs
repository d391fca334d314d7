using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Onnx;

/// <summary>
/// ONNX's LSTM, GRU and RNN operators for a <see cref="RecurrentLayer"/>. PyTorch and ONNX order the gates
/// differently (LSTM: PyTorch i, f, g, o vs ONNX i, o, f, c; GRU: r, z, n vs z, r, h), so the weight blocks are
/// reordered; PyTorch's GRU applies the reset gate after the recurrent product, which is linear_before_reset = 1.
/// </summary>
internal static class OnnxRecurrent
{
    /// <summary>Runs the cell over a [T, N, input] sequence; returns [T, N, directions x hidden].</summary>
    public static string Cell(OnnxGraphBuilder graph, RecurrentLayer layer, string sequence)
    {
        var (opType, gateOrder) = layer.Kind switch
        {
            RecurrentCellKind.LSTM => ("LSTM", new[] { 0, 3, 1, 2 }),
            RecurrentCellKind.GRU => ("GRU", new[] { 1, 0, 2 }),
            _ => ("RNN", new[] { 0 }),
        };
        long gates = gateOrder.Length, hidden = layer.HiddenSize;
        int directions = layer.Directions;
        var w = new List<float>();
        var r = new List<float>();
        var b = new List<float>();
        for (int d = 0; d < directions; d++)
        {
            w.AddRange(Reorder(layer.Weight("weight_ih", d), gateOrder, hidden));
            r.AddRange(Reorder(layer.Weight("weight_hh", d), gateOrder, hidden));
            b.AddRange(Reorder(layer.Weight("bias_ih", d), gateOrder, hidden));
            b.AddRange(Reorder(layer.Weight("bias_hh", d), gateOrder, hidden));
        }
        var attributes = new List<OnnxAttribute>
        {
            OnnxAttribute.Int("hidden_size", hidden),
            OnnxAttribute.String("direction", directions == 2 ? "bidirectional" : "forward"),
        };
        if (layer.Kind == RecurrentCellKind.GRU)
            attributes.Add(OnnxAttribute.Int("linear_before_reset", 1));
        string y = graph.Node(opType, new[]
        {
            sequence,
            graph.Initializer("rnn_w", w.ToArray(), directions, gates * hidden, layer.InputSize),
            graph.Initializer("rnn_r", r.ToArray(), directions, gates * hidden, hidden),
            graph.Initializer("rnn_b", b.ToArray(), directions, 2 * gates * hidden),
        }, attributes.ToArray());
        // Y is [T, directions, N, hidden]; the next layer and the pooling want [T, N, directions x hidden].
        string stepMajor = graph.Node("Transpose", new[] { y }, OnnxAttribute.Ints("perm", 0, 2, 1, 3));
        return OnnxLayers.Reshape(graph, stepMajor, 0, 0, -1);
    }

    /// <summary>A [gates x H, ...] tensor's gate blocks in ONNX order, flattened.</summary>
    private static IEnumerable<float> Reorder(Tensor tensor, int[] order, long hidden)
    {
        float[] values = OnnxLayers.Values(tensor);
        long blockSize = values.Length / order.Length;
        return order.SelectMany(gate => values.Skip((int)(gate * blockSize)).Take((int)blockSize));
    }
}
