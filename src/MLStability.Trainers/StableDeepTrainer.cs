using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLStability.Trainers;

/// <summary>
/// The <see cref="IEstimator{TTransformer}"/> that trains a deep classifier (MLP, convolutional ResNet or recurrent
/// network) with TorchSharp, using the stability
/// techniques in <see cref="StableDeepOptions"/>. Create it with
/// <c>mlContext.MulticlassClassification.Trainers.StableDeep(...)</c>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>Machine learning task</term><description>Multiclass classification</description></item>
/// <item><term>Is normalization required?</term><description>Recommended: features scaled to about [0, 1] or standardized.</description></item>
/// <item><term>Is caching required?</term><description>No: the training data is read once into memory.</description></item>
/// <item><term>Required NuGet in addition to Microsoft.ML</term><description>MLStability.Trainers and a TorchSharp backend (TorchSharp-cpu, TorchSharp-cuda-linux or TorchSharp-cuda-windows).</description></item>
/// <item><term>Exportable to ONNX</term><description>Yes: <see cref="StableDeepTransformer.ExportToOnnx"/>, and <c>mlContext.Model.Save</c> saves through ONNX.</description></item>
/// </list>
/// Input: a label column of key type and a feature column that is a known-size vector of Single.
/// Output: <c>Score</c> (class probabilities, with SlotNames) and <c>PredictedLabel</c> (key, with KeyValues).
/// </remarks>
public sealed class StableDeepTrainer : IEstimator<StableDeepTransformer>
{
    private readonly IHostEnvironment environment;
    private readonly StableDeepOptions options;

    internal StableDeepTrainer(IHostEnvironment environment, StableDeepOptions options)
    {
        options.Validate();
        this.environment = environment;
        this.options = options.Clone();
    }

    /// <summary>The options this trainer was created with (a copy; changing it does not affect the trainer).</summary>
    public StableDeepOptions Options => options.Clone();

    /// <summary>
    /// Checks the input columns and returns the output shape: the input plus Score and PredictedLabel.
    /// Nothing is trained.
    /// </summary>
    /// <param name="inputSchema">The shape of the training data.</param>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        InputSchemaChecks.CheckFeatures(inputSchema, options.FeatureColumnName);
        InputSchemaChecks.CheckLabel(inputSchema, options.LabelColumnName);
        // SchemaShape.Column has no public constructor: a stock multiclass trainer with the same columns describes
        // exactly the columns this trainer adds (Score vector with slot names, PredictedLabel key with key values).
        return new MLContext().MulticlassClassification.Trainers
            .SdcaMaximumEntropy(options.LabelColumnName, options.FeatureColumnName)
            .GetOutputSchema(inputSchema);
    }

    /// <summary>Trains the network on <paramref name="input"/> and returns the fitted transformer.</summary>
    /// <param name="input">Training data with the label and feature columns.</param>
    public StableDeepTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var labelType = InputSchemaChecks.CheckLabel(input.Schema, options.LabelColumnName);
        int classCount = (int)labelType.Count;
        var classes = ClassLabels.FromLabelColumn(input.Schema[options.LabelColumnName], classCount);
        var model = TrainingRun.Fit(environment, options, options.FeatureColumnName, input, nameof(StableDeepTrainer),
            (featureCount, channel) => TrainingDataReader.Read(input, options.LabelColumnName, options.FeatureColumnName, featureCount, classCount, channel),
            (trainer, data) => trainer.Train(data));
        return new StableDeepTransformer(model, options, classes);
    }
}
