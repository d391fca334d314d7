namespace MLStability;

/// <summary>
/// Options of the StableDeep multiclass trainer: the column names plus every architecture and stability setting of
/// <see cref="DeepNetworkOptions"/> (defaults: a stable preset of residual connections, layer normalization,
/// He initialization, global-norm clipping, AdamW and warmup-cosine).
/// </summary>
public sealed class StableDeepOptions : DeepNetworkOptions
{
    /// <summary>The label column: a key type (use MapValueToKey). Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The feature column: a known-size vector of Single. Default "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <inheritdoc/>
    public override void Validate()
    {
        if (string.IsNullOrWhiteSpace(LabelColumnName))
            throw new ArgumentException($"{nameof(StableDeepOptions)}.{nameof(LabelColumnName)} must name a column.", nameof(LabelColumnName));
        if (string.IsNullOrWhiteSpace(FeatureColumnName))
            throw new ArgumentException($"{nameof(StableDeepOptions)}.{nameof(FeatureColumnName)} must name a column.", nameof(FeatureColumnName));
        base.Validate();
    }

    /// <summary>A copy, so that a trainer is not affected by later changes to the caller's options object.</summary>
    internal StableDeepOptions Clone()
    {
        var copy = (StableDeepOptions)MemberwiseClone();
        copy.HiddenLayerSizes = HiddenLayerSizes?.ToArray();
        copy.InputShape = InputShape?.ToArray();
        copy.ResNetChannels = ResNetChannels?.ToArray()!;
        return copy;
    }
}
