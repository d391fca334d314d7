using Microsoft.ML;
using Microsoft.ML.Data;
using MLStability.Onnx;

namespace MLStability.Trainers;

/// <summary>
/// A fitted StableDeep binary classifier. <see cref="Transform"/> adds, like ML.NET's calibrated binary trainers,
/// <c>Score</c> (the network's logit), <c>Probability</c> (its sigmoid: the network is trained with log-loss, so this
/// is its probability of true) and <c>PredictedLabel</c> (Boolean, Probability &gt; 0.5). Saved models load after
/// <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(StableDeepBinaryTransformer).Assembly)</c> (or with
/// <c>mlContext.Model.LoadVerified</c>), see <see cref="BinaryScoreMapping"/>.
/// </summary>
public sealed class StableDeepBinaryTransformer : ITransformer, IDisposable
{
    private readonly TrainedNetwork model;
    private readonly StableDeepOptions options;
    private readonly ScoringCore scoring;

    internal StableDeepBinaryTransformer(TrainedNetwork model, StableDeepOptions options)
    {
        this.model = model;
        this.options = options.Clone();
        this.options.Progress = null;
        scoring = new ScoringCore(options.FeatureColumnName, new RowScorer(model.FeatureCount, 1, model.Predict), new BinaryOutputSchema());
    }

    /// <summary>The options the model was trained with (a copy).</summary>
    public StableDeepOptions TrainingOptions => options.Clone();

    /// <summary>The feature column the model reads.</summary>
    public string FeatureColumnName => scoring.FeatureColumnName;

    /// <summary>The number of features per row the model was trained on.</summary>
    public int FeatureCount => model.FeatureCount;

    /// <summary>What each training epoch reported (validation accuracy at the 0.5 threshold).</summary>
    public IReadOnlyList<EpochProgress> TrainingHistory => model.History;

    /// <summary>Gradient health of the training run (see <see cref="MLStability.TrainingReport"/>).</summary>
    public TrainingReport TrainingReport => model.Report;

    /// <summary>The trained network, for transforms built on it (the StableDeep featurizer).</summary>
    internal TrainedNetwork Network => model;

    /// <summary>Always true: every output row depends only on its input row.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus Score, Probability and PredictedLabel; checks the feature column.</summary>
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
    /// outputs <c>Score</c>, <c>Probability</c> and <c>PredictedLabel</c> (boolean), each [N, 1], with metadata.
    /// </summary>
    /// <param name="stream">Where to write the model.</param>
    public void ExportToOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(Export(MulticlassOutputSchema.ScoreColumnName, BinaryOutputSchema.ProbabilityColumnName, MulticlassOutputSchema.PredictedLabelColumnName));
    }

    /// <summary>Saves the model as OnnxTransformer, a CustomMapping to the scalar columns, and DropColumns.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        byte[] onnx = Export(ScalarScoringChain.ScoreVectorColumn, ScalarScoringChain.ProbabilityVectorColumn, ScalarScoringChain.PredictedVectorColumn);
        ((ICanSaveModel)ScalarScoringChain.Binary(onnx, FeatureColumnName, FeatureCount)).Save(ctx);
    }

    /// <summary>Frees the network's native memory (the finalizer does it for a model dropped without disposal).</summary>
    public void Dispose() => model.Dispose();

    private byte[] Export(string score, string probability, string predicted) =>
        NetworkOnnxExporter.ExportBinary(model, FeatureColumnName, score, probability, predicted,
            OnnxMetadata.For(FeatureColumnName, FeatureCount, options, TrainingHistory, TrainingReport));
}
