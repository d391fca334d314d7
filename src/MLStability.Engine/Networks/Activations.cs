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
    /// The gain that keeps the second moment of pre-activations constant through a layer: 1 / sqrt(E[f(z)^2]) for
    /// z ~ N(0, 1). sqrt(2) for ReLU, sqrt(2 / (1 + slope^2)) for LeakyReLU, 1.5335 for GELU and 1.2452 for ELU (both
    /// computed by numerical integration; PyTorch's calculate_gain has no entry for them and falls back to ReLU's),
    /// 5/3 for tanh (PyTorch's), 1 for SELU (LeCun normal: self-normalizing by design, Klambauer et al. 2017) and sigmoid.
    /// </summary>
    public static double Gain(ActivationKind kind, float leakySlope) => kind switch
    {
        ActivationKind.ReLU => Math.Sqrt(2.0),
        ActivationKind.GELU => 1.5335,
        ActivationKind.ELU => 1.2452,
        ActivationKind.LeakyReLU => Math.Sqrt(2.0 / (1 + leakySlope * leakySlope)),
        ActivationKind.Tanh => 5.0 / 3.0,
        _ => 1.0,
    };

    /// <summary>
    /// Dropout after an activation, or null for rate 0: AlphaDropout for SELU, which keeps the self-normalizing mean
    /// and variance that ordinary dropout would break (Klambauer et al. 2017), ordinary dropout otherwise.
    /// </summary>
    public static nn.Module<Tensor, Tensor>? Dropout(ActivationKind kind, float rate) => rate <= 0 ? null
        : kind == ActivationKind.SELU ? nn.AlphaDropout(rate) : nn.Dropout(rate);
}
