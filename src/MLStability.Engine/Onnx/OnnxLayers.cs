using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Onnx;

/// <summary>ONNX equivalents of the TorchSharp layers the networks use, in inference form.</summary>
internal static class OnnxLayers
{
    /// <summary>y = x W^T + b as Gemm (transB = 1); a bias-free linear layer has no C input.</summary>
    public static string Linear(OnnxGraphBuilder graph, Linear layer, string input)
    {
        var weight = layer.weight!;
        var inputs = new List<string> { input, graph.Initializer("weight", Values(weight), weight.shape) };
        if (layer.bias is Tensor bias)
            inputs.Add(graph.Initializer("bias", Values(bias), bias.shape));
        return graph.Node("Gemm", inputs.ToArray(), OnnxAttribute.Int("transB", 1));
    }

    public static string LayerNorm(OnnxGraphBuilder graph, LayerNorm layer, string input) =>
        graph.Node("LayerNormalization",
            new[] { input, graph.Initializer("ln_scale", Values(layer.weight!), layer.weight!.shape), graph.Initializer("ln_bias", Values(layer.bias!), layer.bias!.shape) },
            OnnxAttribute.Int("axis", -1), OnnxAttribute.Float("epsilon", 1e-5f));

    /// <summary>Batch normalization with the running statistics, as at inference.</summary>
    public static string BatchNorm(OnnxGraphBuilder graph, BatchNorm1d layer, string input) =>
        graph.Node("BatchNormalization",
            new[]
            {
                input,
                graph.Initializer("bn_scale", Values(layer.weight!), layer.weight!.shape),
                graph.Initializer("bn_bias", Values(layer.bias!), layer.bias!.shape),
                graph.Initializer("bn_mean", Values(layer.running_mean!), layer.running_mean!.shape),
                graph.Initializer("bn_var", Values(layer.running_var!), layer.running_var!.shape),
            },
            OnnxAttribute.Float("epsilon", 1e-5f));

    public static string Activation(OnnxGraphBuilder graph, ActivationKind kind, float leakySlope, string input) => kind switch
    {
        ActivationKind.Sigmoid => graph.Node("Sigmoid", new[] { input }),
        ActivationKind.Tanh => graph.Node("Tanh", new[] { input }),
        ActivationKind.ReLU => graph.Node("Relu", new[] { input }),
        ActivationKind.LeakyReLU => graph.Node("LeakyRelu", new[] { input }, OnnxAttribute.Float("alpha", leakySlope)),
        ActivationKind.ELU => graph.Node("Elu", new[] { input }, OnnxAttribute.Float("alpha", 1f)),
        ActivationKind.SELU => graph.Node("Selu", new[] { input }), // ONNX's default alpha and gamma are PyTorch's.
        ActivationKind.GELU => Gelu(graph, input),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "No ONNX form for this activation."),
    };

    /// <summary>Exact GELU, x * 0.5 * (1 + erf(x / sqrt 2)): opset 17 has Erf but not Gelu (opset 20).</summary>
    private static string Gelu(OnnxGraphBuilder graph, string input)
    {
        string scaled = graph.Node("Mul", new[] { input, graph.Initializer("inv_sqrt2", new[] { (float)(1 / Math.Sqrt(2)) }) });
        string erf = graph.Node("Erf", new[] { scaled });
        string onePlus = graph.Node("Add", new[] { erf, graph.Initializer("one", new[] { 1f }) });
        string half = graph.Node("Mul", new[] { input, graph.Initializer("half", new[] { 0.5f }) });
        return graph.Node("Mul", new[] { half, onePlus });
    }

    /// <summary>A tensor's current values as a float initializer of the same shape.</summary>
    public static string Constant(OnnxGraphBuilder graph, string prefix, Tensor tensor) =>
        graph.Initializer(prefix, Values(tensor), tensor.shape);

    private static float[] Values(Tensor tensor)
    {
        using var noGrad = torch.no_grad();
        using var cpu = tensor.detach().cpu().contiguous();
        return cpu.data<float>().ToArray();
    }
}
