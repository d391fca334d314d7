namespace MLStability;

/// <summary>How weight matrices are initialized; biases start at zero for every kind except <see cref="Default"/>.</summary>
public enum InitializationKind
{
    /// <summary>TorchSharp's default for linear layers: weights and biases ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).</summary>
    Default,
    /// <summary>Glorot uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)).</summary>
    XavierUniform,
    /// <summary>Glorot normal: N(0, 2 / (fan_in + fan_out)).</summary>
    XavierNormal,
    /// <summary>He (Kaiming) uniform: U(-b, b) with b = gain * sqrt(3 / fan_in), gain = sqrt(2) for ReLU.</summary>
    HeUniform,
    /// <summary>He (Kaiming) normal: N(0, gain^2 / fan_in), gain = sqrt(2) for ReLU.</summary>
    HeNormal,
    /// <summary>A (semi-)orthogonal matrix scaled by the activation's gain (Saxe et al.).</summary>
    Orthogonal,
    /// <summary>N(0, 1) regardless of the layer's size: the classic recipe for exploding activations and gradients.</summary>
    StandardNormal,
    /// <summary>
    /// LeCun normal: N(0, 1 / fan_in) whatever the activation (LeCun et al. 1998). With SELU and no normalization it is
    /// the self-normalizing recipe of Klambauer et al. 2017 (activations keep mean 0 and variance 1 through depth; use
    /// dropout, which SELU turns into AlphaDropout).
    /// </summary>
    LeCunNormal,
    /// <summary>
    /// Layer-sequential unit-variance initialization (Mishkin and Matas 2015, "All you need is a good init"): orthonormal
    /// weights, then, layer by layer from the input on, each weight rescaled on a batch of up to 256 training rows until
    /// the layer's output variance is 1 within 0.1 (at most 10 passes per layer). Data-driven, so it suits any activation
    /// and depth without normalization. Mlp networks only.
    /// </summary>
    Lsuv,
}
