using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// Multi-head self-attention over [N, T, d] tokens, written out (one projection to queries, keys and values, scaled
/// dot products, softmax, attention dropout, output projection) so that the kernel self-check, the entropy probe and
/// the ONNX export see exactly the operations training runs.
/// </summary>
internal sealed class SelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly Linear queryKeyValue, output;
    private readonly Dropout? dropout;
    private readonly long heads, headWidth, width;
    private readonly float scale;

    public SelfAttention(string name, long width, long heads, float attentionDropout) : base(name)
    {
        this.width = width;
        this.heads = heads;
        headWidth = width / heads;
        scale = ScaleFor(headWidth);
        queryKeyValue = nn.Linear(width, 3 * width);
        output = nn.Linear(width, width);
        dropout = attentionDropout > 0 ? nn.Dropout(attentionDropout) : null;
        RegisterComponents();
    }

    /// <summary>The projection to queries, keys and values, stacked as [3 d, d] (rows: queries, keys, values).</summary>
    public Linear QueryKeyValue => queryKeyValue;

    /// <summary>The output projection [d, d].</summary>
    public Linear Output => output;

    /// <summary>Heads, and numbers per head.</summary>
    public (long Heads, long HeadWidth) Shape => (heads, headWidth);

    /// <summary>Records the attention weights' entropy for diagnostics.</summary>
    public AttentionProbe Probe { get; } = new();

    public override Tensor forward(Tensor tokens)
    {
        long n = tokens.shape[0], t = tokens.shape[1];
        Tensor parts = queryKeyValue.forward(tokens).view(n, t, 3, heads, headWidth).permute(2, 0, 3, 1, 4); // [3, N, h, T, dh]
        Tensor weights = Weights(parts[0], parts[1], scale);
        Probe.Record(weights);
        if (dropout is not null)
            weights = dropout.forward(weights);
        Tensor attended = weights.matmul(parts[2]).transpose(1, 2).reshape(n, t, width);
        return output.forward(attended);
    }

    /// <summary>The scores' scale 1 / sqrt(headWidth) (Vaswani et al. 2017).</summary>
    public static float ScaleFor(long headWidth) => (float)(1 / Math.Sqrt(headWidth));

    /// <summary>Attention without dropout, as <see cref="forward"/> computes it: the weights times the values.</summary>
    public static Tensor Attend(Tensor queries, Tensor keys, Tensor values, float scale) => Weights(queries, keys, scale).matmul(values);

    /// <summary>softmax(q k^T * scale) over the keys: [N, h, T, dh] queries and keys to [N, h, T, T] weights.</summary>
    public static Tensor Weights(Tensor queries, Tensor keys, float scale) =>
        queries.matmul(keys.transpose(-2, -1)).mul(TensorOps.Constant(scale)).softmax(-1);

    /// <summary>Emits the layer over [N, T, d] tokens; returns the [N, T, d] result.</summary>
    public string ExportOnnx(OnnxGraphBuilder graph, string tokens)
    {
        string projected = OnnxLayers.TokenLinear(graph, queryKeyValue, tokens);
        string parts = graph.Node("Transpose", new[] { OnnxLayers.Reshape(graph, projected, 0, 0, 3, heads, headWidth) },
            OnnxAttribute.Ints("perm", 2, 0, 3, 1, 4)); // [3, N, h, T, dh]
        string Part(long index) => OnnxLayers.Step(graph, parts, index);
        string keysT = graph.Node("Transpose", new[] { Part(1) }, OnnxAttribute.Ints("perm", 0, 1, 3, 2));
        string scores = graph.Node("Mul", new[] { graph.Node("MatMul", new[] { Part(0), keysT }), graph.Initializer("attention_scale", new[] { scale }) });
        string weights = graph.Node("Softmax", new[] { scores }, OnnxAttribute.Int("axis", -1));
        string attended = graph.Node("Transpose", new[] { graph.Node("MatMul", new[] { weights, Part(2) }) }, OnnxAttribute.Ints("perm", 0, 2, 1, 3));
        return OnnxLayers.TokenLinear(graph, output, OnnxLayers.Reshape(graph, attended, 0, 0, width));
    }
}
