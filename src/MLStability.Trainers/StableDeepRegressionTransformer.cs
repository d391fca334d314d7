using Microsoft.ML;
using Microsoft.ML.Data;
using MLStability.Onnx;

namespace MLStability.Trainers;

/// <summary>
/// A fitted StableDeep regressor. <see cref="Transform"/> adds <c>Score</c> (a Single, like ML.NET's regression
/// trainers) lazily. Saved models load after <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(StableDeepRegressionTransformer).Assembly)</c>
/// (or with <c>mlContext.Model.LoadVerified</c>), see <see cref="RegressionScoreMapping"/>.
/// </summary>
public sealed class StableDeepRegressionTransformer : ITransformer, IDisposable
{
    private readonly TrainedNetwork model;
    private readonly StableDeepOptions options;
    private readonly ScoringCore scoring;

    internal StableDeepRegressionTransformer(TrainedNetwork model, StableDeepOptions options)
    {
        this.model = model;
        this.options = options.Clone();
        this.options.Progress = null;
        scoring = new ScoringCore(options.FeatureColumnName, new RowScorer(model.FeatureCount, 1, model.Predict), new RegressionOutputSchema());
    }

    /// <summary>The options the model was trained with (a copy).</summary>
    public StableDeepOptions TrainingOptions => options.Clone();

    /// <summary>The feature column the model reads.</summary>
    public string FeatureColumnName => scoring.FeatureColumnName;

    /// <summary>The number of features per row the model was trained on.</summary>
    public int FeatureCount => model.FeatureCount;

    /// <summary>What each training epoch reported (validation loss is the mean loss per row).</summary>
    public IReadOnlyList<EpochProgress> TrainingHistory => model.History;

    /// <summary>Gradient health of the training run (see <see cref="MLStability.TrainingReport"/>).</summary>
    public TrainingReport TrainingReport => model.Report;

    /// <summary>The trained network, for transforms built on it (the StableDeep featurizer).</summary>
    internal TrainedNetwork Network => model;

    /// <summary>Always true: every output row depends only on its input row.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus Score; checks the feature column.</summary>
    /// <param name="inputSchema">The schema of the data to score.</param>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => scoring.GetOutputSchema(inputSchema);

    /// <summary>Returns a lazy view that scores rows as they are read (in batches for sequential cursors).</summary>
    /// <param name="input">The data to score; it needs the feature column only.</param>
    public IDataView Transform(IDataView input) => scoring.Transform(input);

    /// <summary>A row mapper for <c>PredictionEngine</c>.</summary>
    /// <param name="inputSchema">The schema of the rows to score.</param>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => scoring.GetRowToRowMapper(inputSchema);

    /// <summary>
    /// Writes the network as a standalone ONNX model (opset 17): input named after the feature column ([N, D] float),
    /// output <c>Score</c> ([N, 1]), with the input description and training summary as metadata.
    /// </summary>
    /// <param name="stream">Where to write the model.</param>
    public void ExportToOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Export(MulticlassOutputSchema.ScoreColumnName));
    }

    /// <summary>Saves the model as OnnxTransformer, a CustomMapping to the scalar Score, and DropColumns.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        var chain = ScalarScoringChain.Regression(Export(ScalarScoringChain.ScoreVectorColumn), FeatureColumnName, FeatureCount);
        ((ICanSaveModel)chain).Save(ctx);
    }

    /// <summary>Frees the network's native memory (the finalizer does it for a model dropped without disposal).</summary>
    public void Dispose() => model.Dispose();

    private byte[] Export(string score) => NetworkOnnxExporter.ExportRegressor(model, FeatureColumnName, score,
        OnnxMetadata.For(FeatureColumnName, FeatureCount, options, TrainingHistory, TrainingReport));
}
