using Microsoft.ML;
using MLStability.Onnx;

namespace MLStability.Trainers;

/// <summary>
/// A fitted StableDeep binary classifier. <c>Transform</c> adds, like ML.NET's calibrated binary trainers,
/// <c>Score</c> (the network's logit), <c>Probability</c> (its sigmoid: the network is trained with log-loss, so this
/// is its probability of true) and <c>PredictedLabel</c> (Boolean, Probability &gt; 0.5); <c>ExportToOnnx</c> writes
/// them as [N, 1] outputs. Saved models load after
/// <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(StableDeepBinaryTransformer).Assembly)</c> (or with
/// <c>mlContext.Model.LoadVerified</c>), see <see cref="BinaryScoreMapping"/>.
/// </summary>
public sealed class StableDeepBinaryTransformer : StableDeepPredictionTransformer
{
    internal StableDeepBinaryTransformer(TrainedNetwork model, StableDeepOptions options)
        : base(model, options, new RowScorer(model.FeatureCount, 1, model.Predict), new BinaryOutputSchema())
    {
    }

    private protected override byte[] ExportOnnx() =>
        Export(MulticlassOutputSchema.ScoreColumnName, BinaryOutputSchema.ProbabilityColumnName, MulticlassOutputSchema.PredictedLabelColumnName);

    /// <summary>OnnxTransformer, a CustomMapping to the scalar columns, DropColumns.</summary>
    private protected override ITransformer SavedChain() => ScalarScoringChain.Binary(
        Export(ScalarScoringChain.ScoreVectorColumn, ScalarScoringChain.ProbabilityVectorColumn, ScalarScoringChain.PredictedVectorColumn, rowOutputs: true),
        FeatureColumnName, FeatureCount);

    private byte[] Export(string score, string probability, string predicted, bool rowOutputs = false) =>
        NetworkOnnxExporter.ExportBinary(Network, FeatureColumnName, score, probability, predicted, Metadata(), rowOutputs);
}
