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
public sealed class StableDeepRegressionTrainer : StableDeepTrainerBase<StableDeepRegressionTransformer>
{
    internal StableDeepRegressionTrainer(IHostEnvironment environment, StableDeepOptions options) : base(environment, options, StableDeepTask.Regression)
    {
    }

    private protected override void CheckLabel(SchemaShape inputSchema) =>
        InputSchemaChecks.CheckScalarLabel(inputSchema, TrainingOptions.LabelColumnName, NumberDataViewType.Single, "regression");

    private protected override void CheckLabel(DataViewSchema inputSchema) =>
        InputSchemaChecks.CheckScalarLabel(inputSchema, TrainingOptions.LabelColumnName, NumberDataViewType.Single, "regression");

    private protected override IEstimator<ITransformer> StockTrainer(MLContext ml) =>
        ml.Regression.Trainers.Sdca(TrainingOptions.LabelColumnName, TrainingOptions.FeatureColumnName);

    private protected override LabelColumn Label(DataViewSchema schema) => LabelColumn.Regression(TrainingOptions.LabelColumnName, TrainingOptions.RegressionObjective());

    private protected override StableDeepRegressionTransformer Train(IDataView input)
    {
        var options = TrainingOptions;
        var model = TrainingRun.FitSupervised(Environment, options, options.FeatureColumnName, input, nameof(StableDeepRegressionTrainer), Label(input.Schema));
        return new StableDeepRegressionTransformer(model, options);
    }
}
