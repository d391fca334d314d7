using MLStability.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>Applies <see cref="DeepNetworkOptions.Initialization"/> to every linear layer of a network.</summary>
internal static class WeightInitializer
{
    public static void Apply(MlpNetwork network, DeepNetworkOptions options)
    {
        if (options.Initialization == InitializationKind.Default)
            return; // Keep TorchSharp's own initialization: the baseline that the other kinds improve on.
        double gain = Activations.Gain(options.Activation, options.LeakyReLUSlope);
        using var noGrad = torch.no_grad();
        foreach (Linear layer in network.LinearLayers())
        {
            Initialize(layer.weight!, options.Initialization, gain);
            layer.bias?.zero_();
        }
    }

    /// <summary>Fills a [fan_out, fan_in] weight matrix in place; gain applies to He and orthogonal.</summary>
    public static void Initialize(Tensor weight, InitializationKind kind, double gain)
    {
        long fanOut = weight.shape[0], fanIn = weight.shape[1];
        switch (kind)
        {
            case InitializationKind.XavierUniform:
                Uniform(weight, Math.Sqrt(6.0 / (fanIn + fanOut)));
                break;
            case InitializationKind.XavierNormal:
                weight.normal_(0, Math.Sqrt(2.0 / (fanIn + fanOut)));
                break;
            case InitializationKind.HeUniform:
                Uniform(weight, gain * Math.Sqrt(3.0 / fanIn));
                break;
            case InitializationKind.HeNormal:
                weight.normal_(0, gain / Math.Sqrt(fanIn));
                break;
            case InitializationKind.Orthogonal:
                nn.init.orthogonal_(weight, gain);
                break;
            case InitializationKind.StandardNormal:
                weight.normal_(0, 1);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "No formula for this initialization.");
        }
    }

    private static void Uniform(Tensor weight, double bound) => weight.uniform_(-bound, bound);
}
