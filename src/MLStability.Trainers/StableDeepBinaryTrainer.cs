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

    private protected override SupervisedData ReadTrainingData(IDataView input, int featureCount, IChannel channel) =>
        TrainingDataReader.ReadBinary(input, TrainingOptions.LabelColumnName, TrainingOptions.FeatureColumnName,
            featureCount, TrainingObjective.BinaryCrossEntropy(TrainingOptions.PositiveClassWeight), channel);

    private protected override StableDeepBinaryTransformer Train(IDataView input)
    {
        var options = TrainingOptions;
        var model = TrainingRun.Fit(Environment, options, options.FeatureColumnName, input, nameof(StableDeepBinaryTrainer),
            (featureCount, channel) => (RegressionData)ReadTrainingData(input, featureCount, channel),
            (trainer, data) => trainer.Train(data));
        return new StableDeepBinaryTransformer(model, options);
    }
}
