namespace MLStability;

/// <summary>The loss of the StableDeep regression trainer.</summary>
public enum RegressionLossKind
{
    /// <summary>Mean squared error: the maximum-likelihood loss for Gaussian noise.</summary>
    SquaredError,
    /// <summary>Huber (smooth L1): squared within HuberDelta of the label, linear beyond, so outliers pull less.</summary>
    Huber,
}
