using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>Applies <see cref="DeepNetworkOptions.Initialization"/> to every weight a network names.</summary>
internal static class WeightInitializer
{
    public static void Apply(DeepNetwork network, DeepNetworkOptions options)
    {
        if (options.Initialization == InitializationKind.Default)
            return; // Keep TorchSharp's own initialization: the baseline that the other kinds improve on.
        double activationGain = Activations.Gain(options.Activation, options.LeakyReLUSlope);
        using var noGrad = torch.no_grad();
        foreach (var (weight, bias, role, gain) in network.InitializedWeights())
        {
            if (role == WeightRole.Recurrent && options.Initialization != InitializationKind.StandardNormal)
                InitializeRecurrent(weight);
            else
                Initialize(weight, options.Initialization, gain ?? activationGain);
            bias?.zero_();
        }
    }

    /// <summary>
    /// Fills a [fan_out, fan_in, kernel...] weight in place; gain applies to He and orthogonal (LeCun normal is He
    /// normal with gain 1, whatever the activation). A convolution's fans
    /// include its kernel's size, as in PyTorch.
    /// </summary>
    public static void Initialize(Tensor weight, InitializationKind kind, double gain)
    {
        long receptive = weight.shape.Skip(2).Aggregate(1L, (p, d) => p * d);
        long fanOut = weight.shape[0] * receptive, fanIn = weight.shape[1] * receptive;
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
            case InitializationKind.Lsuv:
                nn.init.orthogonal_(weight); // LSUV's orthonormal start; NetworkTrainer rescales it on data
                break;
            case InitializationKind.LeCunNormal:
                weight.normal_(0, 1 / Math.Sqrt(fanIn));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "No formula for this initialization.");
        }
    }

    /// <summary>
    /// Orthogonal [H, H] blocks, one per gate, for a recurrent weight [gates x H, H]: every gate's recurrence then
    /// preserves the state's norm at the start, the classic remedy for gradients that vanish or explode through time.
    /// </summary>
    private static void InitializeRecurrent(Tensor weight)
    {
        long hidden = weight.shape[1];
        for (long start = 0; start < weight.shape[0]; start += hidden)
        {
            using var block = weight.narrow(0, start, hidden);
            nn.init.orthogonal_(block);
        }
    }

    private static void Uniform(Tensor weight, double bound) => weight.uniform_(-bound, bound);
}
