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

    /// <summary>
    /// Regression trainer only: the loss. Default <see cref="RegressionLossKind.SquaredError"/>; Huber is robust to
    /// outlying labels.
    /// </summary>
    public RegressionLossKind RegressionLoss { get; set; } = RegressionLossKind.SquaredError;

    /// <summary>Regression trainer with <see cref="RegressionLossKind.Huber"/>: where the loss turns from squared to linear. Default 1; valid range (0, +inf).</summary>
    public float HuberDelta { get; set; } = 1f;

    /// <summary>
    /// Binary trainer only: how much a positive (true) row weighs against a negative one in the loss; above 1 for
    /// rare positives (e.g. negatives / positives). Default 1; valid range (0, 1e6].
    /// </summary>
    public float PositiveClassWeight { get; set; } = 1f;

    /// <summary>
    /// Options for images given as a flat CHW feature vector (e.g. from ExtractPixels): a <see cref="NetworkKind.ResNet"/>
    /// with the default stages and the ResNet family's defaults, batch normalization (which trains convolutional
    /// networks faster than layer normalization at these batch sizes) and a peak learning rate of 0.01. The same as
    /// setting Network and InputShape alone.
    /// </summary>
    /// <param name="channels">Channels per image (1 for grey, 3 for RGB).</param>
    /// <param name="height">Image height in pixels.</param>
    /// <param name="width">Image width in pixels.</param>
    public static StableDeepOptions ForImages(int channels, int height, int width) => new()
    {
        Network = NetworkKind.ResNet,
        InputShape = new[] { channels, height, width },
    };

    /// <summary>
    /// Options for sequences given as a flat step-major feature vector: a one-layer <see cref="NetworkKind.Recurrent"/>
    /// network of <paramref name="cell"/>s (LSTM by default) with the Recurrent family's defaults: layer normalization
    /// and a peak learning rate of 0.003. The same as setting Network, InputShape and RecurrentCell alone.
    /// </summary>
    /// <param name="steps">Steps per sequence (T).</param>
    /// <param name="featuresPerStep">Features per step (F).</param>
    /// <param name="cell">The recurrent cell.</param>
    public static StableDeepOptions ForSequences(int steps, int featuresPerStep, RecurrentCellKind cell = RecurrentCellKind.LSTM) => new()
    {
        Network = NetworkKind.Recurrent,
        InputShape = new[] { steps, featuresPerStep },
        RecurrentCell = cell,
    };

    /// <inheritdoc/>
    public override void Validate()
    {
        if (string.IsNullOrWhiteSpace(LabelColumnName))
            throw new ArgumentException($"{nameof(StableDeepOptions)}.{nameof(LabelColumnName)} must name a column.", nameof(LabelColumnName));
        if (string.IsNullOrWhiteSpace(FeatureColumnName))
            throw new ArgumentException($"{nameof(StableDeepOptions)}.{nameof(FeatureColumnName)} must name a column.", nameof(FeatureColumnName));
        OptionChecks.Defined(nameof(StableDeepOptions), nameof(RegressionLoss), RegressionLoss);
        OptionChecks.Positive(nameof(StableDeepOptions), nameof(HuberDelta), HuberDelta);
        OptionChecks.InLeftOpenRange(nameof(StableDeepOptions), nameof(PositiveClassWeight), PositiveClassWeight, 0, 1e6f);
        base.Validate();
    }

    /// <summary>The regression objective these options name.</summary>
    internal TrainingObjective RegressionObjective() => RegressionLoss == RegressionLossKind.Huber
        ? TrainingObjective.Huber(HuberDelta)
        : TrainingObjective.MeanSquaredError;

    /// <summary>A copy, so that a trainer is not affected by later changes to the caller's options object.</summary>
    internal StableDeepOptions Clone() => Copy<StableDeepOptions>();
}
