namespace MLStability;

/// <summary>The normalization applied inside each hidden layer (MLP), convolution (ResNet) or recurrent layer.</summary>
public enum NormalizationKind
{
    /// <summary>No normalization.</summary>
    None,
    /// <summary>Batch normalization: statistics over the mini-batch (and positions), running averages at inference.</summary>
    BatchNorm,
    /// <summary>
    /// Layer normalization: statistics over each row's features (for a ResNet, over each image's channels and
    /// positions, i.e. group normalization with one group); identical in training and inference.
    /// </summary>
    LayerNorm,
    /// <summary>
    /// Group normalization (Wu and He): statistics over groups of NormalizationGroups channels per row; independent
    /// of the batch size. MLP and ResNet only.
    /// </summary>
    GroupNorm,
    /// <summary>
    /// RMS normalization (Zhang and Sennrich 2019): x / sqrt(mean(x^2) + 1e-6) * g over each row's features (for a
    /// ResNet, over each image's channels and positions), with a learnable scale g and no centering or shift: cheaper
    /// than layer normalization and as stable in deep residual stacks. Identical in training and inference.
    /// </summary>
    RmsNorm,
}
