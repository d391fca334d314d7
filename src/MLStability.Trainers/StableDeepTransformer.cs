using Microsoft.ML;
using Microsoft.ML.Data;
using MLStability.Onnx;

namespace MLStability.Trainers;

/// <summary>
/// A fitted StableDeep classifier. <see cref="Transform"/> adds <c>Score</c> (class probabilities) and
/// <c>PredictedLabel</c> lazily; find it in a fitted pipeline with <c>model.OfType&lt;StableDeepTransformer&gt;()</c>.
/// </summary>
public sealed class StableDeepTransformer : ITransformer, IDisposable
{
    private readonly TrainedClassifier model;
    private readonly ClassLabels classes;
    private readonly StableDeepOptions options;
    private readonly Lazy<byte[]> scoringChainOnnx;
    private readonly ScoringCore scoring;

    internal StableDeepTransformer(TrainedClassifier model, StableDeepOptions options, ClassLabels classes)
    {
        this.model = model;
        this.classes = classes;
        this.options = options.Clone();
        this.options.Progress = null;
        FeatureColumnName = options.FeatureColumnName;
        scoring = new ScoringCore(FeatureColumnName, new RowScorer(model.FeatureCount, model.ClassCount, model.PredictProbabilities),
            new MulticlassOutputSchema(classes));
        scoringChainOnnx = new Lazy<byte[]>(() => ExportOnnx(new OnnxClassifierNames(FeatureColumnName,
            MulticlassOutputSchema.ScoreColumnName, OnnxScoringChain.PredictedIndexColumn, PredictClassIndex: true)));
    }

    /// <summary>The options the model was trained with (a copy).</summary>
    public StableDeepOptions TrainingOptions => options.Clone();

    /// <summary>The feature column the model reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>The number of features per row the model was trained on.</summary>
    public int FeatureCount => model.FeatureCount;

    /// <summary>The class names, in the order of the Score vector's slots.</summary>
    public IReadOnlyList<string> ClassNames => classes.Names;

    /// <summary>What each training epoch reported.</summary>
    public IReadOnlyList<EpochProgress> TrainingHistory => model.History;

    /// <summary>
    /// Gradient health of the training run: per-epoch and per-layer statistics, verdicts with evidence, remedies
    /// and instability events. Also stored in the exported ONNX model's metadata.
    /// </summary>
    public TrainingReport TrainingReport => model.Report;

    /// <summary>The device the network runs on, e.g. "cpu" or "cuda:0".</summary>
    public string Device => model.Device.ToString();

    /// <summary>The trained network, for transforms built on it (the StableDeep featurizer).</summary>
    internal TrainedNetwork Network => model;

    /// <summary>Always true: every output row depends only on its input row.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus Score and PredictedLabel; checks the feature column.</summary>
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
    /// outputs <c>Score</c> ([N, K] probabilities) and <c>PredictedLabel</c> ([N], the class value, typed like the
    /// label's key values), with class labels, input description and training summary as metadata
    /// (see <see cref="OnnxMetadata"/>). Dropout is left out and batch normalization uses its running statistics.
    /// </summary>
    /// <param name="stream">Where to write the model.</param>
    public void ExportToOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ExportOnnx(new OnnxClassifierNames(FeatureColumnName, MulticlassOutputSchema.ScoreColumnName,
            MulticlassOutputSchema.PredictedLabelColumnName)));
    }

    /// <summary>
    /// Saves the model as a stock ML.NET chain (OnnxTransformer running the exported network, then MapValueToKey
    /// for PredictedLabel), so <c>mlContext.Model.Save</c> works and <c>mlContext.Model.Load</c> needs neither
    /// MLStability nor TorchSharp. Scores after loading match the in-memory model within float rounding.
    /// </summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        var chain = OnnxScoringChain.Build(scoringChainOnnx.Value, FeatureColumnName, FeatureCount, classes);
        ((ICanSaveModel)chain).Save(ctx);
    }

    /// <summary>
    /// Frees the network's native memory. ML.NET's TransformerChain disposes it with the chain; a model that is
    /// dropped without disposal is freed by its finalizer.
    /// </summary>
    public void Dispose() => model.Dispose();

    private byte[] ExportOnnx(OnnxClassifierNames names) =>
        ClassifierOnnxExporter.Export(model, names, classes.AddOnnxValues, OnnxMetadata.For(this));
}
