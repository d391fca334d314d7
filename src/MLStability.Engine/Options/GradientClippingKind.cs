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
}
