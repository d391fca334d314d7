using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLStability.Trainers;

/// <summary>
/// The <see cref="IEstimator{TTransformer}"/> that trains a deep binary classifier (MLP, convolutional ResNet or
/// recurrent network) with log-loss, <see cref="StableDeepOptions.PositiveClassWeight"/> for imbalanced data, and the
/// stability techniques of <see cref="StableDeepOptions"/>. Create it with <c>mlContext.BinaryClassification.Trainers.StableDeep(...)</c>.
/// </summary>
/// <remarks>
/// Input: a Boolean label column and a known-size vector of Single features.
/// Output: <c>Score</c> (the logit), <c>Probability</c> and <c>PredictedLabel</c> (Boolean), like ML.NET's calibrated binary trainers.
/// </remarks>
public sealed class StableDeepBinaryTrainer : IEstimator<StableDeepBinaryTransformer>
{
    private readonly IHostEnvironment environment;
    private readonly StableDeepOptions options;

    internal StableDeepBinaryTrainer(IHostEnvironment environment, StableDeepOptions options)
    {
        options.Validate();
        this.environment = environment;
        this.options = options.Clone();
    }

    /// <summary>The options this trainer was created with (a copy).</summary>
    public StableDeepOptions Options => options.Clone();

    /// <summary>Checks the input columns and returns the input shape plus Score, Probability and PredictedLabel. Nothing is trained.</summary>
    /// <param name="inputSchema">The shape of the training data.</param>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        InputSchemaChecks.CheckFeatures(inputSchema, options.FeatureColumnName);
        InputSchemaChecks.CheckScalarLabel(inputSchema, options.LabelColumnName, BooleanDataViewType.Instance, "binary classification");
        return new MLContext().BinaryClassification.Trainers.SdcaLogisticRegression(options.LabelColumnName, options.FeatureColumnName)
            .GetOutputSchema(inputSchema);
    }

    /// <summary>Trains the network on <paramref name="input"/> and returns the fitted transformer.</summary>
    /// <param name="input">Training data with the label and feature columns.</param>
    public StableDeepBinaryTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        InputSchemaChecks.CheckScalarLabel(input.Schema, options.LabelColumnName, BooleanDataViewType.Instance, "binary classification");
        var model = TrainingRun.Fit(environment, options, options.FeatureColumnName, input, nameof(StableDeepBinaryTrainer),
            (featureCount, channel) => TrainingDataReader.ReadBinary(input, options.LabelColumnName, options.FeatureColumnName,
                featureCount, TrainingObjective.BinaryCrossEntropy(options.PositiveClassWeight), channel),
            (trainer, data) => trainer.Train(data));
        return new StableDeepBinaryTransformer(model, options);
    }
}
