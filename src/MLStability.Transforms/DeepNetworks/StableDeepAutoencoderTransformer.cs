using Microsoft.ML;
using Microsoft.ML.Data;
using MLStability.Onnx;
using MLStability.Trainers;

namespace MLStability.Transforms;

/// <summary>
/// A fitted StableDeep autoencoder: appends the embedding (a vector of EmbeddingSize) and the reconstruction error
/// (a Single: the mean squared difference between a row's features and their reconstruction) lazily. Saved models
/// load after <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(StableDeepTransformer).Assembly)</c> (or with
/// <c>mlContext.Model.LoadVerified</c>), see <see cref="ScalarValueMapping"/>.
/// </summary>
public sealed class StableDeepAutoencoderTransformer : ITransformer, IDisposable
{
    private readonly TrainedAutoencoder model;
    private readonly StableDeepAutoencoderOptions options;
    private readonly ScoringCore scoring;

    internal StableDeepAutoencoderTransformer(TrainedAutoencoder model, StableDeepAutoencoderOptions options)
    {
        this.model = model;
        this.options = options.Clone();
        this.options.Progress = null;
        scoring = new ScoringCore(options.FeatureColumnName, new RowScorer(model.FeatureCount, model.EmbeddingSize + 1, model.EncodeAndScore),
            new AutoencoderColumns(options.EmbeddingColumnName, options.ReconstructionErrorColumnName, model.EmbeddingSize));
    }

    /// <summary>The options the autoencoder was trained with (a copy).</summary>
    public StableDeepAutoencoderOptions TrainingOptions => options.Clone();

    /// <summary>What each training epoch reported (the loss is the mean squared reconstruction error summed over features).</summary>
    public IReadOnlyList<EpochProgress> TrainingHistory => model.History;

    /// <summary>Gradient health of the training run (see <see cref="MLStability.TrainingReport"/>).</summary>
    public TrainingReport TrainingReport => model.Report;

    /// <summary>Always true: every output row depends only on its input row.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus the embedding and the reconstruction error; checks the feature column.</summary>
    /// <param name="inputSchema">The schema of the data to encode.</param>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => scoring.GetOutputSchema(inputSchema);

    /// <summary>Returns a lazy view that encodes rows as they are read (in batches for sequential cursors).</summary>
    /// <param name="input">The data to encode.</param>
    public IDataView Transform(IDataView input) => scoring.Transform(input);

    /// <summary>A row mapper for <c>PredictionEngine</c>.</summary>
    /// <param name="inputSchema">The schema of the rows.</param>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => scoring.GetRowToRowMapper(inputSchema);

    /// <summary>Saves as OnnxTransformer (embedding and error), a CustomMapping of the error to a scalar, CopyColumns and DropColumns.</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        byte[] onnx = NetworkOnnxExporter.ExportAutoencoder(model, options.FeatureColumnName, options.EmbeddingColumnName, ScalarScoringChain.ValueVectorColumn,
            OnnxMetadata.For(options.FeatureColumnName, model.FeatureCount, options, TrainingHistory, TrainingReport), rowOutputs: true);
        var chain = ScalarScoringChain.Autoencoder(onnx, options.FeatureColumnName, model.FeatureCount, options.EmbeddingColumnName,
            options.ReconstructionErrorColumnName);
        ((ICanSaveModel)chain).Save(ctx);
    }

    /// <summary>Frees the network's native memory (the finalizer does it for a model dropped without disposal).</summary>
    public void Dispose() => model.Dispose();
}
