using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLStability.Trainers;

/// <summary>
/// The <see cref="IEstimator{TTransformer}"/> that trains a deep regressor (MLP, convolutional ResNet or recurrent
/// network) with the stability techniques of <see cref="StableDeepOptions"/> and its <see cref="StableDeepOptions.RegressionLoss"/>.
/// Create it with <c>mlContext.Regression.Trainers.StableDeep(...)</c>.
/// </summary>
/// <remarks>
/// Input: a Single label column (rows whose label is NaN are skipped) and a known-size vector of Single features.
/// Output: <c>Score</c>, a Single. Scale the label to about unit variance for the default learning rate.
/// </remarks>
public sealed class StableDeepRegressionTrainer : IEstimator<StableDeepRegressionTransformer>
{
    private readonly IHostEnvironment environment;
    private readonly StableDeepOptions options;

    internal StableDeepRegressionTrainer(IHostEnvironment environment, StableDeepOptions options)
    {
        options.Validate();
        this.environment = environment;
        this.options = options.Clone();
    }

    /// <summary>The options this trainer was created with (a copy).</summary>
    public StableDeepOptions Options => options.Clone();

    /// <summary>Checks the input columns and returns the input shape plus Score. Nothing is trained.</summary>
    /// <param name="inputSchema">The shape of the training data.</param>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        InputSchemaChecks.CheckFeatures(inputSchema, options.FeatureColumnName);
        InputSchemaChecks.CheckScalarLabel(inputSchema, options.LabelColumnName, NumberDataViewType.Single, "regression");
        return new MLContext().Regression.Trainers.Sdca(options.LabelColumnName, options.FeatureColumnName).GetOutputSchema(inputSchema);
    }

    /// <summary>Trains the network on <paramref name="input"/> and returns the fitted transformer.</summary>
    /// <param name="input">Training data with the label and feature columns.</param>
    public StableDeepRegressionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        InputSchemaChecks.CheckScalarLabel(input.Schema, options.LabelColumnName, NumberDataViewType.Single, "regression");
        var model = TrainingRun.Fit(environment, options, options.FeatureColumnName, input, nameof(StableDeepRegressionTrainer),
            (featureCount, channel) => TrainingDataReader.ReadRegression(input, options.LabelColumnName, options.FeatureColumnName,
                featureCount, options.RegressionObjective(), channel),
            (trainer, data) => trainer.Train(data));
        return new StableDeepRegressionTransformer(model, options);
    }
}
