using Microsoft.ML;
using MLStability.Onnx;

namespace MLStability.Trainers;

/// <summary>
/// A fitted StableDeep regressor. <c>Transform</c> adds <c>Score</c> (a Single, like ML.NET's regression trainers)
/// lazily; <c>ExportToOnnx</c> writes <c>Score</c> as [N, 1]. Saved models load after
/// <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(StableDeepRegressionTransformer).Assembly)</c> (or with
/// <c>mlContext.Model.LoadVerified</c>), see <see cref="RegressionScoreMapping"/>.
/// </summary>
public sealed class StableDeepRegressionTransformer : StableDeepPredictionTransformer
{
    internal StableDeepRegressionTransformer(TrainedNetwork model, StableDeepOptions options)
        : base(model, options, new RowScorer(model.FeatureCount, 1, model.Predict), new RegressionOutputSchema())
    {
    }

    private protected override byte[] ExportOnnx() => Export(MulticlassOutputSchema.ScoreColumnName);

    /// <summary>OnnxTransformer, a CustomMapping to the scalar Score, DropColumns.</summary>
    private protected override ITransformer SavedChain() =>
        ScalarScoringChain.Regression(Export(ScalarScoringChain.ScoreVectorColumn, rowOutputs: true), FeatureColumnName, FeatureCount);

    private byte[] Export(string score, bool rowOutputs = false) =>
        NetworkOnnxExporter.ExportRegressor(Network, FeatureColumnName, score, Metadata(), rowOutputs);
}
