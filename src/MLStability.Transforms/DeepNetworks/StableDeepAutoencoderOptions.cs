namespace MLStability.Transforms;

/// <summary>
/// Options of <c>mlContext.Transforms.StableDeepAutoencoder(...)</c>: the columns, the embedding size, and every
/// architecture and stability setting of <see cref="DeepNetworkOptions"/> (the encoder's hidden layers; the decoder
/// mirrors them). The autoencoder is an MLP.
/// </summary>
public sealed class StableDeepAutoencoderOptions : DeepNetworkOptions
{
    /// <summary>Creates the options with the autoencoder's defaults: hidden layers [256, 128], no dropout.</summary>
    public StableDeepAutoencoderOptions()
    {
        HiddenLayerSizes = new[] { 256, 128 };
        Dropout = 0;
    }

    /// <summary>The feature column to encode: a known-size vector of Single. Default "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>The bottleneck's width: the size of the Embedding vector. Default 32; valid range [1, 65536].</summary>
    public int EmbeddingSize { get; set; } = 32;

    /// <summary>The output embedding column. Default "Embedding".</summary>
    public string EmbeddingColumnName { get; set; } = "Embedding";

    /// <summary>The output column of each row's mean squared reconstruction error (an anomaly score). Default "ReconstructionError".</summary>
    public string ReconstructionErrorColumnName { get; set; } = "ReconstructionError";

    /// <inheritdoc/>
    public override void Validate()
    {
        foreach (var (name, value) in new[] { (nameof(FeatureColumnName), FeatureColumnName), (nameof(EmbeddingColumnName), EmbeddingColumnName),
                     (nameof(ReconstructionErrorColumnName), ReconstructionErrorColumnName) })
        {
            if (string.IsNullOrWhiteSpace(value))
                throw new ArgumentException($"{nameof(StableDeepAutoencoderOptions)}.{name} must name a column.", name);
        }
        if (EmbeddingColumnName == ReconstructionErrorColumnName)
            throw new ArgumentException($"{nameof(StableDeepAutoencoderOptions)}: the embedding and the reconstruction error need different column names.", nameof(ReconstructionErrorColumnName));
        OptionChecks.InRange(nameof(StableDeepAutoencoderOptions), nameof(EmbeddingSize), EmbeddingSize, 1, 65_536);
        if (Network != NetworkKind.Mlp)
            throw new ArgumentException($"{nameof(StableDeepAutoencoderOptions)}.{nameof(Network)} must be Mlp: the autoencoder is an MLP.", nameof(Network));
        if (NumericEmbedding == NumericEmbeddingKind.Periodic)
            throw new ArgumentException(
                $"{nameof(StableDeepAutoencoderOptions)}.{nameof(NumericEmbedding)} = Periodic is for the supervised trainers' MLP: the autoencoder " +
                $"reconstructs the features it reads, so its encoder takes them as they are. Leave {nameof(NumericEmbedding)} unset or None.", nameof(NumericEmbedding));
        base.Validate();
    }

    /// <summary>A copy that shares no array with these options.</summary>
    internal StableDeepAutoencoderOptions Clone() => Copy<StableDeepAutoencoderOptions>();
}
