using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLStability.Trainers;

/// <summary>
/// The <see cref="IEstimator{TTransformer}"/> that trains a deep classifier (MLP, convolutional ResNet or recurrent
/// network) with TorchSharp, using the stability techniques in <see cref="StableDeepOptions"/>. Create it with
/// <c>mlContext.MulticlassClassification.Trainers.StableDeep(...)</c>.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>Machine learning task</term><description>Multiclass classification</description></item>
/// <item><term>Is normalization required?</term><description>No: features are scaled inside the model from the training rows (<see cref="DeepNetworkOptions.FeatureScaling"/>).</description></item>
/// <item><term>Is caching required?</term><description>No: the training data is read once into memory, or streamed epoch by epoch when it does not fit (<see cref="DeepNetworkOptions.DataLoading"/>).</description></item>
/// <item><term>Required NuGet in addition to Microsoft.ML</term><description>MLStability.Trainers and a TorchSharp backend (TorchSharp-cpu, TorchSharp-cuda-linux or TorchSharp-cuda-windows).</description></item>
/// <item><term>Exportable to ONNX</term><description>Yes: <see cref="StableDeepPredictionTransformer.ExportToOnnx"/>, and <c>mlContext.Model.Save</c> saves through ONNX.</description></item>
/// </list>
/// Input: a label column of key type and a feature column that is a known-size vector of Single.
/// Output: <c>Score</c> (class probabilities, with SlotNames) and <c>PredictedLabel</c> (key, with KeyValues).
/// </remarks>
public sealed class StableDeepTrainer : StableDeepTrainerBase<StableDeepTransformer>
{
    internal StableDeepTrainer(IHostEnvironment environment, StableDeepOptions options) : base(environment, options, StableDeepTask.Multiclass)
    {
    }

    private protected override void CheckLabel(SchemaShape inputSchema) => InputSchemaChecks.CheckLabel(inputSchema, TrainingOptions.LabelColumnName);

    private protected override void CheckLabel(DataViewSchema inputSchema) => InputSchemaChecks.CheckLabel(inputSchema, TrainingOptions.LabelColumnName);

    private protected override IEstimator<ITransformer> StockTrainer(MLContext ml) =>
        ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(TrainingOptions.LabelColumnName, TrainingOptions.FeatureColumnName);

    private protected override LabelColumn Label(DataViewSchema schema) =>
        LabelColumn.Classes(TrainingOptions.LabelColumnName, (int)InputSchemaChecks.CheckLabel(schema, TrainingOptions.LabelColumnName).Count);

    private protected override StableDeepTransformer Train(IDataView input)
    {
        var options = TrainingOptions;
        var label = Label(input.Schema);
        var classes = ClassLabels.FromLabelColumn(input.Schema[options.LabelColumnName], label.OutputCount);
        var model = (TrainedClassifier)TrainingRun.FitSupervised(Environment, options, options.FeatureColumnName, input, nameof(StableDeepTrainer), label);
        return new StableDeepTransformer(model, options, classes);
    }
}
