namespace MLStability;

/// <summary>
/// A training data set that is read row by row, as often as training needs, instead of being held in memory
/// (<see cref="DataLoadingKind.Streaming"/>). The ML.NET layer implements it over an IDataView's cursors; the engine
/// never sees the view.
/// </summary>
internal interface IRowSource
{
    /// <summary>Features per row.</summary>
    int FeatureCount { get; }

    /// <summary>The network's outputs per row: classes, or regression targets.</summary>
    int OutputCount { get; }

    /// <summary>Target values per row given to the sink: 1 (a class index, or one regression target), or 0 when
    /// <see cref="TargetsAreFeatures"/>.</summary>
    int TargetWidth { get; }

    /// <summary>True for an autoencoder's rows: the (scaled) features are the targets.</summary>
    bool TargetsAreFeatures { get; }

    /// <summary>The loss (and metric) that fits these targets.</summary>
    TrainingObjective Objective { get; }

    /// <summary>True when <see cref="Read"/> can return the rows in a random order of its own (ML.NET's shuffled cursors).</summary>
    bool CanShuffle { get; }

    /// <summary>
    /// Reads every row once and passes it to <paramref name="sink"/> with a key that identifies the row in every read
    /// (the validation split depends on it, not on the order): in a random order drawn from
    /// <paramref name="shuffleSeed"/> when it is given (only when <see cref="CanShuffle"/>), else in the source's order.
    /// Rows the trainer skips (missing labels) are not passed. Bad values throw, naming the column and the row.
    /// </summary>
    void Read(int? shuffleSeed, IRowSink sink, CancellationToken cancellation);
}

/// <summary>Receives the rows of an <see cref="IRowSource"/>; the spans are valid only during the call.</summary>
internal interface IRowSink
{
    void Accept(ReadOnlySpan<float> features, ReadOnlySpan<float> targets, ulong rowKey);
}
