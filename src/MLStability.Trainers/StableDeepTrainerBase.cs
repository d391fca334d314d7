using Microsoft.ML;
using Microsoft.ML.Runtime;
using Microsoft.ML.Trainers;

namespace MLStability.Trainers;

/// <summary>
/// What every StableDeep trainer does the same way: validate and copy the options, check the feature and label
/// columns (on schema shapes before training, and again at Fit, since a bare <c>Fit</c> skips
/// <c>GetOutputSchema</c>), and describe its output with the shape of a stock ML.NET trainer of the same task.
/// Only MLStability derives from it.
/// </summary>
/// <typeparam name="TTransformer">The fitted model.</typeparam>
public abstract class StableDeepTrainerBase<TTransformer> : ITrainerEstimator<TTransformer, StableDeepModelParameters>
    where TTransformer : StableDeepPredictionTransformer
{
    // Features are scaled inside the model (FeatureScaling), the data is read once into memory or streamed (DataLoading), validation is a
    // hold-out of the training data (ValidationFraction) rather than a second data view, and no warm start.
    private static readonly TrainerInfo TrainerCharacteristics = TrainerInfoFactory.Create(normalization: false, calibration: false,
        caching: false, supportValid: false, supportIncrementalTrain: false, supportTest: false);

    private readonly StableDeepOptions options;

    private protected StableDeepTrainerBase(IHostEnvironment environment, StableDeepOptions options, StableDeepTask task)
    {
        options.Validate();
        TaskOptionChecks.Check(options, task);
        Environment = environment;
        this.options = options.Clone();
    }

    /// <summary>
    /// What ML.NET needs to know about the trainer: it needs no normalization in front (features are scaled inside
    /// the model), no caching (the data is read once into memory, or streamed), and takes no separate validation set.
    /// </summary>
    public TrainerInfo Info => TrainerCharacteristics;

    /// <summary>The options this trainer was created with (a copy; changing it does not affect the trainer).</summary>
    public StableDeepOptions Options => options.Clone();

    private protected IHostEnvironment Environment { get; }

    /// <summary>The trainer's own copy of the options.</summary>
    private protected StableDeepOptions TrainingOptions => options;

    /// <summary>
    /// Checks the input columns and returns the output shape: the input plus the prediction columns. Nothing is trained.
    /// </summary>
    /// <param name="inputSchema">The shape of the training data.</param>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        InputSchemaChecks.CheckFeatures(inputSchema, options.FeatureColumnName);
        CheckLabel(inputSchema);
        // SchemaShape.Column has no public constructor: a stock trainer of the same task with the same columns
        // describes exactly the columns this trainer adds.
        return StockTrainer(new MLContext()).GetOutputSchema(inputSchema);
    }

    /// <summary>Trains the network on <paramref name="input"/> and returns the fitted transformer.</summary>
    /// <param name="input">Training data with the label and feature columns.</param>
    public TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckLabel(input.Schema);
        return Train(input);
    }

    /// <summary>
    /// Runs the learning-rate range test (Smith 2017; fastai's <c>lr_find</c>) on <paramref name="input"/>: a network
    /// built and initialized as <see cref="Fit"/> would build it trains for a few hundred steps with an exponentially
    /// growing learning rate until the smoothed loss diverges. Returns the curve and the suggested learning rate
    /// (set it as <see cref="DeepNetworkOptions.LearningRate"/>); draw the curve with MLStability.Plots'
    /// <c>SavePlot</c>. Nothing is kept: the trainer and its options are unchanged.
    /// </summary>
    /// <param name="input">Training data with the label and feature columns (the validation rows are held out, as in Fit).</param>
    /// <param name="settings">The range, steps, smoothing and divergence factor; null for the defaults.</param>
    public LearningRateRangeTest FindLearningRate(IDataView input, LearningRateFinderOptions? settings = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckLabel(input.Schema);
        settings ??= new LearningRateFinderOptions();
        settings.Validate();
        var label = Label(input.Schema);
        return TrainingRun.Fit(Environment, options, options.FeatureColumnName, input, GetType().Name,
            (featureCount, channel) => DataLoading.Load(options, input, label, options.FeatureColumnName, featureCount, channel),
            (trainer, rows) => rows.Streamed is IRowSource source ? trainer.FindLearningRate(source, settings) : trainer.FindLearningRate(rows.InMemory!, settings));
    }

    /// <summary>Throws an ML.NET-style error when the label column is missing or of the wrong type.</summary>
    private protected abstract void CheckLabel(SchemaShape inputSchema);

    /// <inheritdoc cref="CheckLabel(SchemaShape)"/>
    private protected abstract void CheckLabel(DataViewSchema inputSchema);

    /// <summary>A stock trainer of the same task and columns, used only for its output shape.</summary>
    private protected abstract IEstimator<ITransformer> StockTrainer(MLContext ml);

    /// <summary>How this task reads and checks the label column of data with this schema.</summary>
    private protected abstract LabelColumn Label(DataViewSchema schema);

    /// <summary>Reads the data (labels checked) and trains.</summary>
    private protected abstract TTransformer Train(IDataView input);
}
