namespace MLStability;

/// <summary>How an MLP turns each scaled numeric feature into its input, before the first hidden layer.</summary>
public enum NumericEmbeddingKind
{
    /// <summary>Each feature enters the first hidden layer as one number.</summary>
    None,
    /// <summary>
    /// Periodic embedding (PLR in Gorishniy, Rubachev, Babenko, "On Embeddings for Numerical Features in Tabular Deep
    /// Learning", NeurIPS 2022): each feature x becomes [cos(2π c x), sin(2π c x)] over
    /// <see cref="DeepNetworkOptions.PeriodicEmbeddingFrequencies"/> trainable frequencies c (initialized from
    /// N(0, <see cref="DeepNetworkOptions.PeriodicEmbeddingScale"/>²)), mapped by its own linear layer and a ReLU to
    /// <see cref="DeepNetworkOptions.PeriodicEmbeddingWidth"/> numbers. It lets the network draw the sharp, threshold-like
    /// functions of a single feature that trees draw, which smooth MLPs on raw numbers miss.
    /// </summary>
    Periodic,
}
