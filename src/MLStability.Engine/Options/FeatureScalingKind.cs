namespace MLStability;

/// <summary>How features are scaled inside the model before the network sees them.</summary>
public enum FeatureScalingKind
{
    /// <summary>Features go to the network as they are (use when they are already standardized).</summary>
    None,
    /// <summary>
    /// Robust standardization from the training rows: z = (x - median) / (IQR / 1.349), falling back to the standard
    /// deviation for columns with IQR 0 and to 1 for constant columns, with tails beyond |z| = 3 compressed
    /// logarithmically (z' = sign(z) (3 + ln(|z| - 2))), so outliers keep their order but cannot dominate. Statistics are
    /// per feature (MLP), per channel (ResNet) or per step feature (Recurrent); applied in training and scoring and in
    /// the exported ONNX graph.
    /// </summary>
    Robust,
}
