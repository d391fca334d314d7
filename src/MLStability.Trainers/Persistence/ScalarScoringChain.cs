using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// The chain a StableDeep regression or binary transformer saves itself as: OnnxTransformer running the exported
/// network (its outputs are 1-slot vectors), a CustomMapping to the scalar columns ML.NET's own trainers produce
/// (see <see cref="RegressionScoreMapping"/>, <see cref="BinaryScoreMapping"/>), and DropColumns of the vectors.
/// </summary>
internal static class ScalarScoringChain
{
    public const string ScoreVectorColumn = "StableDeep.ScoreVector";
    public const string ProbabilityVectorColumn = "StableDeep.ProbabilityVector";
    public const string PredictedVectorColumn = "StableDeep.PredictedVector";

    public static ITransformer Regression(byte[] onnxModel, string featureColumn, int featureCount)
    {
        var ml = NewContext();
        return ml.Transforms.ApplyOnnxModel(new[] { ScoreVectorColumn }, new[] { featureColumn }, new MemoryStream(onnxModel, writable: false))
            .Append(ml.Transforms.CustomMapping<RegressionScoreVector, RegressionScore>(RegressionScoreMapping.Map, RegressionScoreMapping.ContractName))
            .Append(ml.Transforms.DropColumns(ScoreVectorColumn))
            .Fit(EmptyFeatures.View(ml, featureColumn, featureCount));
    }

    public static ITransformer Binary(byte[] onnxModel, string featureColumn, int featureCount)
    {
        var ml = NewContext();
        string[] vectors = { ScoreVectorColumn, ProbabilityVectorColumn, PredictedVectorColumn };
        return ml.Transforms.ApplyOnnxModel(vectors, new[] { featureColumn }, new MemoryStream(onnxModel, writable: false))
            .Append(ml.Transforms.CustomMapping<BinaryScoreVectors, BinaryScores>(BinaryScoreMapping.Map, BinaryScoreMapping.ContractName))
            .Append(ml.Transforms.DropColumns(vectors))
            .Fit(EmptyFeatures.View(ml, featureColumn, featureCount));
    }

    private static MLContext NewContext()
    {
        var ml = new MLContext();
        ml.ComponentCatalog.RegisterAssembly(typeof(ScalarScoringChain).Assembly);
        return ml;
    }
}
