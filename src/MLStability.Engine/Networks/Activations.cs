using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>Creates activation modules and knows each one's initialization gain.</summary>
internal static class Activations
{
    public static nn.Module<Tensor, Tensor> Create(ActivationKind kind, float leakySlope) => kind switch
    {
        ActivationKind.Sigmoid => nn.Sigmoid(),
        ActivationKind.Tanh => nn.Tanh(),
        ActivationKind.ReLU => nn.ReLU(),
        ActivationKind.LeakyReLU => nn.LeakyReLU(leakySlope),
        ActivationKind.ELU => nn.ELU(),
        ActivationKind.GELU => nn.GELU(),
        ActivationKind.SELU => nn.SELU(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation."),
    };

    /// <summary>
    /// The gain that keeps activation variance constant through a layer (PyTorch's calculate_gain):
    /// sqrt(2) for ReLU-like units, 5/3 for tanh, 3/4 for SELU, 1 otherwise.
    /// </summary>
    public static double Gain(ActivationKind kind, float leakySlope) => kind switch
    {
        ActivationKind.ReLU or ActivationKind.GELU or ActivationKind.ELU => Math.Sqrt(2.0),
        ActivationKind.LeakyReLU => Math.Sqrt(2.0 / (1 + leakySlope * leakySlope)),
        ActivationKind.Tanh => 5.0 / 3.0,
        ActivationKind.SELU => 0.75,
        _ => 1.0,
    };
}
