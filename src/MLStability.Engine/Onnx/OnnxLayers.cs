using TorchSharp;
using TorchSharp.Modules;
using MLStability.Networks;
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

    /// <summary>
    /// A linear layer over the last axis of [N, T, in] tokens: MatMul by the transposed weight, then the bias (Gemm
    /// takes matrices only).
    /// </summary>
    public static string TokenLinear(OnnxGraphBuilder graph, Linear layer, string input)
    {
        using var transposed = layer.weight!.detach().t().contiguous();
        string product = graph.Node("MatMul", new[] { input, graph.Initializer("weight_t", Values(transposed), transposed.shape) });
        return layer.bias is Tensor bias ? graph.Node("Add", new[] { product, graph.Initializer("bias", Values(bias), bias.shape) }) : product;
    }

    public static string LayerNorm(OnnxGraphBuilder graph, LayerNorm layer, string input) =>
        graph.Node("LayerNormalization",
            new[] { input, graph.Initializer("ln_scale", Values(layer.weight!), layer.weight!.shape), graph.Initializer("ln_bias", Values(layer.bias!), layer.bias!.shape) },
            OnnxAttribute.Int("axis", -1), OnnxAttribute.Float("epsilon", 1e-5f));

    /// <summary>Batch normalization with the running statistics, as at inference (channels on axis 1).</summary>
    public static string BatchNorm(OnnxGraphBuilder graph, BatchNorm layer, string input) =>
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

    /// <summary>
    /// Group normalization of [N, C, ...] (opset 17 has no GroupNormalization): the input reshaped to [N, G, -1] is
    /// normalized by InstanceNormalization, reshaped back and scaled and shifted per channel.
    /// </summary>
    public static string GroupNorm(OnnxGraphBuilder graph, GroupNormalization layer, string input, int rank)
    {
        long groups = layer.Groups, channels = layer.Weight.shape[0];
        string grouped = graph.Node("Reshape", new[] { input, graph.Int64s("groups_shape", 0, groups, -1) });
        string normalized = graph.Node("InstanceNormalization",
            new[] { grouped, graph.Initializer("ones", Enumerable.Repeat(1f, (int)groups).ToArray(), groups),
                    graph.Initializer("zeros", new float[groups], groups) },
            OnnxAttribute.Float("epsilon", (float)GroupNormalization.Epsilon));
        string restored = graph.Node("Reshape", new[] { normalized, graph.Node("Shape", new[] { input }) });
        long[] perChannel = new[] { channels }.Concat(Enumerable.Repeat(1L, rank - 2)).ToArray();
        string scaled = graph.Node("Mul", new[] { restored, graph.Initializer("gn_scale", Values(layer.Weight), perChannel) });
        return graph.Node("Add", new[] { scaled, graph.Initializer("gn_bias", Values(layer.Bias), perChannel) });
    }

    /// <summary>
    /// RMS normalization: x / Sqrt(ReduceMean(x * x) + eps) * g, over the last axis of rows or over channels and
    /// positions of [N, C, H, W] images (opset 17 has no RMSNormalization; ReduceMean takes its axes as an attribute).
    /// </summary>
    public static string RmsNorm(OnnxGraphBuilder graph, RmsNormalization layer, string input)
    {
        var axes = layer.Spatial ? OnnxAttribute.Ints("axes", 1, 2, 3) : OnnxAttribute.Ints("axes", -1);
        string meanSquare = graph.Node("ReduceMean", new[] { graph.Node("Mul", new[] { input, input }) }, axes, OnnxAttribute.Int("keepdims", 1));
        string root = graph.Node("Sqrt", new[] { graph.Node("Add", new[] { meanSquare, graph.Initializer("rms_eps", new[] { (float)RmsNormalization.Epsilon }) }) });
        string normalized = graph.Node("Div", new[] { input, root });
        return graph.Node("Mul", new[] { normalized, graph.Initializer("rms_scale", Values(layer.Weight), layer.Weight.shape) });
    }

    /// <summary>A square 2-D convolution with padding kernel / 2 on every side.</summary>
    public static string Conv(OnnxGraphBuilder graph, Conv2d layer, long kernel, long stride, string input)
    {
        var weight = layer.weight!;
        var inputs = new List<string> { input, graph.Initializer("conv_weight", Values(weight), weight.shape) };
        if (layer.bias is Tensor bias)
            inputs.Add(graph.Initializer("conv_bias", Values(bias), bias.shape));
        long pad = kernel / 2;
        return graph.Node("Conv", inputs.ToArray(), OnnxAttribute.Ints("kernel_shape", kernel, kernel),
            OnnxAttribute.Ints("strides", stride, stride), OnnxAttribute.Ints("pads", pad, pad, pad, pad));
    }

    /// <summary>Reshapes to <paramref name="shape"/> (-1 infers one dimension, as in Tensor.view).</summary>
    public static string Reshape(OnnxGraphBuilder graph, string input, params long[] shape) =>
        graph.Node("Reshape", new[] { input, graph.Int64s("shape", shape) });

    /// <summary>Element <paramref name="index"/> along axis 0, with that axis removed ([T, N, C] to [N, C]).</summary>
    public static string Step(OnnxGraphBuilder graph, string input, long index) =>
        graph.Node("Gather", new[] { input, graph.Initializer("step", new[] { index }, OnnxType.Int64, Array.Empty<long>()) },
            OnnxAttribute.Int("axis", 0));

    /// <summary>The range [start, end) along one axis.</summary>
    public static string Slice(OnnxGraphBuilder graph, string input, long axis, long start, long end) =>
        graph.Node("Slice", new[] { input, graph.Int64s("starts", start), graph.Int64s("ends", end), graph.Int64s("axes", axis) });

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

    /// <summary>A tensor's current values, row-major, on the host.</summary>
    public static float[] Values(Tensor tensor)
    {
        using var noGrad = torch.no_grad();
        using var cpu = tensor.detach().cpu().contiguous();
        return cpu.data<float>().ToArray();
    }
}
