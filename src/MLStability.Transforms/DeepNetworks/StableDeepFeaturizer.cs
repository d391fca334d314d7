using Microsoft.ML;
using Microsoft.ML.Data;
using MLStability.Onnx;
using MLStability.Trainers;

namespace MLStability.Transforms;

/// <summary>
/// The estimator of <c>mlContext.Transforms.StableDeepFeaturizer(...)</c>: it wraps an already trained StableDeep
/// network, so <see cref="Fit"/> only checks the schema. Its transformer appends the network's penultimate-layer
/// embedding (the input of its head) as a vector column, for transfer learning into any ML.NET trainer.
/// </summary>
public sealed class StableDeepFeaturizerEstimator : IEstimator<StableDeepFeaturizerTransformer>
{
    private readonly TrainedNetwork network;
    private readonly string featureColumnName, outputColumnName;
    private readonly StableDeepOptions options;

    internal StableDeepFeaturizerEstimator(TrainedNetwork network, StableDeepOptions options, string featureColumnName, string outputColumnName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputColumnName);
        this.network = network;
        this.options = options;
        this.featureColumnName = featureColumnName;
        this.outputColumnName = outputColumnName;
    }

    /// <summary>Checks the feature column and returns the input shape plus the embedding column.</summary>
    /// <param name="inputSchema">The shape of the data to featurize.</param>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        InputSchemaChecks.CheckFeatures(inputSchema, featureColumnName);
        // A stock transform that appends a known-size Single vector describes the column (SchemaShape.Column has no public constructor).
        return new MLContext().Transforms.Concatenate(outputColumnName, featureColumnName)
            .GetOutputSchema(inputSchema);
    }

    /// <summary>Checks the input schema and returns the transformer; nothing is trained.</summary>
    /// <param name="input">Data with the feature column the network was trained on.</param>
    public StableDeepFeaturizerTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var transformer = new StableDeepFeaturizerTransformer(network, options, featureColumnName, outputColumnName);
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }
}

/// <summary>
/// Appends a trained StableDeep network's embedding (the input of its head: the last hidden layer of an MLP, the
/// pooled features of a ResNet, the pooled sequence of a recurrent network) as a vector column. It shares the network
/// with the StableDeep transformer it came from; dispose that one when both are done. Saves as a stock OnnxTransformer.
/// </summary>
public sealed class StableDeepFeaturizerTransformer : ITransformer
{
    private readonly TrainedNetwork network;
    private readonly StableDeepOptions options;
    private readonly ScoringCore scoring;

    internal StableDeepFeaturizerTransformer(TrainedNetwork network, StableDeepOptions options, string featureColumnName, string outputColumnName)
    {
        this.network = network;
        this.options = options;
        OutputColumnName = outputColumnName;
        EmbeddingSize = (int)network.Network.EmbeddingSize;
        scoring = new ScoringCore(featureColumnName, new RowScorer(network.FeatureCount, EmbeddingSize, network.Embed),
            new EmbeddingColumns(outputColumnName, EmbeddingSize));
    }

    /// <summary>The appended column's name.</summary>
    public string OutputColumnName { get; }

    /// <summary>The embedding's size.</summary>
    public int EmbeddingSize { get; }

    /// <summary>Always true: every output row depends only on its input row.</summary>
    public bool IsRowToRowMapper => true;

    /// <summary>The input schema plus the embedding; checks the feature column.</summary>
    /// <param name="inputSchema">The schema of the data to featurize.</param>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => scoring.GetOutputSchema(inputSchema);

    /// <summary>Returns a lazy view that computes embeddings as rows are read (in batches for sequential cursors).</summary>
    /// <param name="input">The data to featurize.</param>
    public IDataView Transform(IDataView input) => scoring.Transform(input);

    /// <summary>A row mapper for <c>PredictionEngine</c>.</summary>
    /// <param name="inputSchema">The schema of the rows.</param>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => scoring.GetRowToRowMapper(inputSchema);

    /// <summary>Saves as OnnxTransformer running the network up to its head (output: the embedding column).</summary>
    void ICanSaveModel.Save(ModelSaveContext ctx)
    {
        byte[] onnx = NetworkOnnxExporter.ExportEmbedding(network, scoring.FeatureColumnName, OutputColumnName,
            OnnxMetadata.For(scoring.FeatureColumnName, scoring.FeatureCount, options, network.History, network.Report), rowOutputs: true);
        ((ICanSaveModel)ScalarScoringChain.Featurizer(onnx, scoring.FeatureColumnName, scoring.FeatureCount, OutputColumnName)).Save(ctx);
    }
}
