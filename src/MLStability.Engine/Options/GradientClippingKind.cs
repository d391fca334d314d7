namespace MLStability;

/// <summary>How gradients are bounded before each optimizer step.</summary>
public enum GradientClippingKind
{
    /// <summary>No clipping.</summary>
    None,
    /// <summary>Every gradient element is clamped to [-threshold, threshold].</summary>
    Value,
    /// <summary>All gradients are scaled together so that their global L2 norm is at most the threshold.</summary>
    GlobalNorm,
    /// <summary>
    /// Adaptive gradient clipping (Brock et al. 2021, NFNets), unit-wise: each output unit's gradient row is scaled down
    /// to threshold x the matching weight row's norm (floored at 1e-3) when it is larger; biases and scales element by
    /// element; the head (the last linear layer) is exempt. The threshold is lambda: 0.01 to 0.16 in the paper.
    /// </summary>
    Adaptive,
}
