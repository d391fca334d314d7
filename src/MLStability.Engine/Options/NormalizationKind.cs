namespace MLStability;

/// <summary>The normalization applied to each hidden layer's pre-activation.</summary>
public enum NormalizationKind
{
    /// <summary>No normalization.</summary>
    None,
    /// <summary>Batch normalization: statistics over the mini-batch, running averages at inference.</summary>
    BatchNorm,
    /// <summary>Layer normalization: statistics over each row's features; identical in training and inference.</summary>
    LayerNorm,
}
