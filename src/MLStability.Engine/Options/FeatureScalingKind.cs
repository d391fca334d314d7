namespace MLStability;

/// <summary>How features are scaled inside the model before the network sees them.</summary>
public enum FeatureScalingKind
{
    /// <summary>Features go to the network as they are (use when they are already standardized).</summary>
    None,
    /// <summary>
    /// Robust standardization from the training rows: z = (x - median) / (IQR / 1.349); a sparse column (IQR 0) is divided
    /// by its largest distance from the median instead (into [-1, 1]), a constant one by 1; a column already in a unit
    /// range (within [-1, 1], spanning at least 0.5: pixels / 255, NormalizeMinMax) is left alone; tails beyond |z| = 3 compressed
    /// logarithmically (z' = sign(z) (3 + ln(|z| - 2))), so outliers keep their order but cannot dominate. Statistics are
    /// per feature (MLP), per channel (ResNet) or per step feature (Recurrent); applied in training and scoring and in
    /// the exported ONNX graph.
    /// </summary>
    Robust,
}
