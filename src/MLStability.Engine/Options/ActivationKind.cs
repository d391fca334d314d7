namespace MLStability;

/// <summary>The nonlinearity applied after each hidden layer.</summary>
public enum ActivationKind
{
    /// <summary>Logistic sigmoid, 1 / (1 + e^-x). Saturates at both ends: the classic cause of vanishing gradients.</summary>
    Sigmoid,
    /// <summary>Hyperbolic tangent. Zero-centred but saturating.</summary>
    Tanh,
    /// <summary>Rectified linear unit, max(0, x). Pairs with He initialization.</summary>
    ReLU,
    /// <summary>Leaky ReLU with negative slope <see cref="DeepNetworkOptions.LeakyReLUSlope"/>.</summary>
    LeakyReLU,
    /// <summary>Exponential linear unit (alpha = 1).</summary>
    ELU,
    /// <summary>Gaussian error linear unit (exact erf form).</summary>
    GELU,
    /// <summary>Scaled exponential linear unit, self-normalizing with LeCun-normal weights.</summary>
    SELU,
}
