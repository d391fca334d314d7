using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// What every fitted StableDeep predictor (multiclass, regression, binary) offers: the options and training report
/// of its run, lazy batched scoring, a row mapper for <c>PredictionEngine</c>, ONNX export and persistence through
/// <c>mlContext.Model.Save</c>. As ML.NET's own predictors it is an
/// <see cref="ISingleFeaturePredictionTransformer{TModel}"/>, so <c>model.LastTransformer.Model</c> and
/// <c>PermutationFeatureImportance</c> work. Only MLStability derives from it.
/// </summary>
public abstract class StableDeepPredictionTransformer : ISingleFeaturePredictionTransformer<StableDeepModelParameters>, IDisposable
{
    private readonly StableDeepOptions options;
    private readonly ScoringCore scoring;

    private protected StableDeepPredictionTransformer(TrainedNetwork model, StableDeepOptions options, RowScorer scorer, PredictionColumns columns)
    {
        Network = model;
        this.options = options.Clone();
        this.options.Progress = null;
        scoring = new ScoringCore(options.FeatureColumnName, scorer, columns);
        Model = new StableDeepModelParameters(model, this.options);
        FeatureColumnType = new VectorDataViewType(NumberDataViewType.Single, model.FeatureCount);
    }

    /// <summary>The trained network's parameters: size, training options and report.</summary>
    public StableDeepModelParameters Model { get; }

    /// <summary>The feature column's type: a vector of <see cref="FeatureCount"/> Single values.</summary>
    public DataViewType FeatureColumnType { get; }

    /// <summary>The trained network, for transforms built on it (the StableDeep featurizer).</summary>
    internal TrainedNetwork Network { get; }

    /// <summary>The options the model was trained with (a copy).</summary>
    public StableDeepOptions TrainingOptions => options.Clone();

    /// <summary>The feature column the model reads.</summary>
    public string FeatureColumnName => scoring.FeatureColumnName;

    /// <summary>The number of features per row the model was trained on.</summary>
    public int FeatureCount => Network.FeatureCount;

    /// <summary>What each training epoch reported.</summary>
    public IReadOnlyList<EpochProgress> TrainingHistory => Network.History;

    /// <summary>
    /// Gradient health of the training run: per-epoch and per-layer statistics, verdicts with evidence, remedies
    /// and instability events. Also stored in the exported ONNX model's metadata.
    /// </summary>
    public TrainingReport TrainingReport => Network.Report;

    /// <summary>The device the network runs on, e.g. "cpu" or "cuda:0".</summary>
    public string Device => Network.Device.ToString();

    /// <summary>Always true: every output row depends only on its input row.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus the prediction columns; checks the feature column.</summary>
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
    /// the prediction columns as outputs, and metadata (see <see cref="OnnxMetadata"/>). Dropout is left out and batch
    /// normalization uses its running statistics.
    /// </summary>
    /// <param name="stream">Where to write the model.</param>
    public void ExportToOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(ExportOnnx());
    }

    /// <summary>Saves the model as a chain of stock ML.NET transformers around the exported network.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)SavedChain()).Save(ctx);

    /// <summary>
    /// Frees the network's native memory. ML.NET's TransformerChain disposes it with the chain; a model that is
    /// dropped without disposal is freed by its finalizer.
    /// </summary>
    public void Dispose() => Network.Dispose();

    /// <summary>The standalone ONNX model with the public output names.</summary>
    private protected abstract byte[] ExportOnnx();

    /// <summary>The stock chain that <c>mlContext.Model.Save</c> writes.</summary>
    private protected abstract ITransformer SavedChain();

    /// <summary>The metadata of the exported ONNX model.</summary>
    private protected Dictionary<string, string> Metadata() =>
        OnnxMetadata.For(FeatureColumnName, FeatureCount, options, TrainingHistory, TrainingReport);
}
