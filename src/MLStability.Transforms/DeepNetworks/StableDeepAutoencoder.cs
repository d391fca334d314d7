using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using MLStability.Onnx;
using MLStability.Trainers;

namespace MLStability.Transforms;

/// <summary>
/// The estimator of <c>mlContext.Transforms.StableDeepAutoencoder(...)</c>: trains a deep MLP autoencoder on the
/// feature column, without labels, with the stability techniques and diagnostics of <see cref="DeepNetworkOptions"/>.
/// Its transformer appends the <c>Embedding</c> (the bottleneck) and the <c>ReconstructionError</c> (mean squared
/// error of the reconstruction, high for rows unlike the training data: an anomaly score).
/// </summary>
public sealed class StableDeepAutoencoderEstimator : IEstimator<StableDeepAutoencoderTransformer>
{
    private readonly IHostEnvironment environment;
    private readonly StableDeepAutoencoderOptions options;

    internal StableDeepAutoencoderEstimator(IHostEnvironment environment, StableDeepAutoencoderOptions options)
    {
        options.Validate();
        this.environment = environment;
        this.options = options.Clone();
    }

    /// <summary>Checks the feature column and returns the input shape plus the embedding and the error. Nothing is trained.</summary>
    /// <param name="inputSchema">The shape of the training data.</param>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        InputSchemaChecks.CheckFeatures(inputSchema, options.FeatureColumnName);
        // SchemaShape.Column has no public constructor, so stock estimators describe the two columns: Concatenate a
        // known-size Single vector; Hash (combine) then ConvertType a scalar Single; the helper column is dropped.
        const string helper = "StableDeep.ShapeHelper";
        var ml = new MLContext();
        return ml.Transforms.Concatenate(options.EmbeddingColumnName, options.FeatureColumnName)
            .Append(ml.Transforms.Conversion.Hash(new Microsoft.ML.Transforms.HashingEstimator.ColumnOptions(helper, options.FeatureColumnName, combine: true)))
            .Append(ml.Transforms.Conversion.ConvertType(options.ReconstructionErrorColumnName, helper, DataKind.Single))
            .Append(ml.Transforms.DropColumns(helper))
            .GetOutputSchema(inputSchema);
    }

    /// <summary>Trains the autoencoder on the feature column of <paramref name="input"/>.</summary>
    /// <param name="input">Training data (labels, if any, are ignored).</param>
    public StableDeepAutoencoderTransformer Fit(IDataView input)
    {
        var model = TrainingRun.Fit(environment, options, options.FeatureColumnName, input, "StableDeepAutoencoder",
            (featureCount, channel) => DataLoading.Load(options, input, label: null, options.FeatureColumnName, featureCount, channel),
            (trainer, rows) => rows.Streamed is IRowSource source
                ? trainer.TrainAutoencoder(source, options.EmbeddingSize)
                : trainer.TrainAutoencoder(rows.InMemory!.Features, rows.InMemory.FeatureCount, options.EmbeddingSize));
        return new StableDeepAutoencoderTransformer(model, options);
    }
}
