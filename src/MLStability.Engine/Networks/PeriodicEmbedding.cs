using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// The periodic numeric embedding (<see cref="NumericEmbeddingKind.Periodic"/>): features [N, F] to
/// ReLU(Linear_f([cos(2π c_f x_f), sin(2π c_f x_f)])) for every feature f, flattened to [N, F x width]. The frequencies
/// c_f [F, K] are trained; each feature has its own linear map [2K, width], as in the paper's non-"lite" PLR.
/// </summary>
internal sealed class PeriodicEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly Parameter frequencies; // [F, K]
    private readonly Parameter weight;      // [F, 2K, width]
    private readonly Parameter bias;        // [F, width]

    public PeriodicEmbedding(string name, long features, int frequencyCount, int width, float scale) : base(name)
    {
        using (torch.no_grad())
        {
            // Truncated at 3 sigma as in the paper's code, so no frequency starts far above the chosen scale.
            frequencies = new Parameter(torch.randn(features, frequencyCount).clamp_(-3, 3).mul_(scale));
            // PyTorch's nn.Linear initialization for each feature's [2K -> width] map.
            double bound = 1.0 / Math.Sqrt(2 * frequencyCount);
            weight = new Parameter(torch.empty(features, 2 * frequencyCount, width).uniform_(-bound, bound));
            bias = new Parameter(torch.empty(features, width).uniform_(-bound, bound));
        }
        OutputSize = features * width;
        RegisterComponents();
    }

    /// <summary>The width of the flattened output: what the first hidden layer receives.</summary>
    public long OutputSize { get; }

    /// <summary>The per-feature linear maps [F, 2K, width]: the weight that diagnostics watch.</summary>
    public Parameter Weight => weight;

    /// <summary>The trained frequencies c_f [F, K].</summary>
    public Parameter Frequencies => frequencies;

    /// <summary>The per-feature biases [F, width].</summary>
    public Parameter Bias => bias;

    /// <summary>Features [N, F] to their embedding [N, F x width].</summary>
    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        // x (2π c), in the ONNX graph's order, so both round alike.
        Tensor angles = input.unsqueeze(-1) * (frequencies * (2 * Math.PI));               // [N, F, K]
        Tensor periodic = torch.cat(new[] { angles.cos(), angles.sin() }, -1);                // [N, F, 2K]
        Tensor mapped = torch.matmul(periodic.transpose(0, 1), weight).transpose(0, 1) + bias; // [N, F, width]
        return mapped.relu().flatten(1).MoveToOuterDisposeScope();
    }

    /// <summary>Emits the same computation: Unsqueeze, Mul, Cos and Sin, Concat, a batched MatMul per feature, Relu, Reshape.</summary>
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        using var angularFrequencies = frequencies.detach() * (2 * Math.PI);
        string column = graph.Node("Unsqueeze", new[] { input, graph.Int64s("last_axis", -1) });
        string angles = graph.Node("Mul", new[] { column, graph.Initializer("frequencies", OnnxLayers.Values(angularFrequencies), frequencies.shape) });
        string periodic = graph.Node("Concat", new[] { graph.Node("Cos", new[] { angles }), graph.Node("Sin", new[] { angles }) }, OnnxAttribute.Int("axis", -1));
        string perFeature = graph.Node("Transpose", new[] { periodic }, OnnxAttribute.Ints("perm", 1, 0, 2));
        string mapped = graph.Node("MatMul", new[] { perFeature, graph.Initializer("embedding_weight", OnnxLayers.Values(weight), weight.shape) });
        string rows = graph.Node("Transpose", new[] { mapped }, OnnxAttribute.Ints("perm", 1, 0, 2));
        string shifted = graph.Node("Add", new[] { rows, graph.Initializer("embedding_bias", OnnxLayers.Values(bias), bias.shape) });
        return graph.Node("Reshape", new[] { graph.Node("Relu", new[] { shifted }), graph.Int64s("flat", 0, -1) });
    }
}
