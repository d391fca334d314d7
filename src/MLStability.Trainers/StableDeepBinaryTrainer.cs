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
public sealed class StableDeepBinaryTrainer : StableDeepTrainerBase<StableDeepBinaryTransformer>
{
    private const string Task = "binary classification";

    internal StableDeepBinaryTrainer(IHostEnvironment environment, StableDeepOptions options) : base(environment, options, StableDeepTask.Binary)
    {
    }

    private protected override void CheckLabel(SchemaShape inputSchema) =>
        InputSchemaChecks.CheckScalarLabel(inputSchema, TrainingOptions.LabelColumnName, BooleanDataViewType.Instance, Task);

    private protected override void CheckLabel(DataViewSchema inputSchema) =>
        InputSchemaChecks.CheckScalarLabel(inputSchema, TrainingOptions.LabelColumnName, BooleanDataViewType.Instance, Task);

    private protected override IEstimator<ITransformer> StockTrainer(MLContext ml) =>
        ml.BinaryClassification.Trainers.SdcaLogisticRegression(TrainingOptions.LabelColumnName, TrainingOptions.FeatureColumnName);

    private protected override LabelColumn Label(DataViewSchema schema) => LabelColumn.Binary(TrainingOptions.LabelColumnName, TrainingObjective.BinaryCrossEntropy(TrainingOptions.PositiveClassWeight));

    private protected override StableDeepBinaryTransformer Train(IDataView input)
    {
        var options = TrainingOptions;
        var model = TrainingRun.FitSupervised(Environment, options, options.FeatureColumnName, input, nameof(StableDeepBinaryTrainer), Label(input.Schema));
        return new StableDeepBinaryTransformer(model, options);
    }
}
