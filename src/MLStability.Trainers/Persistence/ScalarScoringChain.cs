using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// The chain a StableDeep regression, binary or autoencoder transformer saves itself as: OnnxTransformer running the exported
/// network (its outputs are 1-slot vectors), a CustomMapping to the scalar columns ML.NET's own trainers produce
/// (see <see cref="RegressionScoreMapping"/>, <see cref="BinaryScoreMapping"/>), and DropColumns of the vectors.
/// </summary>
internal static class ScalarScoringChain
{
    public const string ScoreVectorColumn = "StableDeep.ScoreVector";
    public const string ProbabilityVectorColumn = "StableDeep.ProbabilityVector";
    public const string PredictedVectorColumn = "StableDeep.PredictedVector";
    public const string ValueVectorColumn = "StableDeep.ValueVector";
    public const string ValueColumn = "StableDeep.Value";

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

    /// <summary>
    /// An autoencoder: OnnxTransformer (outputs the embedding and a 1-slot error vector), the error as a scalar under
    /// <paramref name="errorColumn"/>, intermediate columns dropped.
    /// </summary>
    public static ITransformer Autoencoder(byte[] onnxModel, string featureColumn, int featureCount, string embeddingColumn, string errorColumn)
    {
        var ml = NewContext();
        return ml.Transforms.ApplyOnnxModel(new[] { embeddingColumn, ValueVectorColumn }, new[] { featureColumn }, new MemoryStream(onnxModel, writable: false))
            .Append(ml.Transforms.CustomMapping<ScalarValueVector, ScalarValue>(ScalarValueMapping.Map, ScalarValueMapping.ContractName))
            .Append(ml.Transforms.CopyColumns(errorColumn, ValueColumn))
            .Append(ml.Transforms.DropColumns(ValueVectorColumn, ValueColumn))
            .Fit(EmptyFeatures.View(ml, featureColumn, featureCount));
    }

    /// <summary>Registers this assembly, whose CustomMapping factories saved models name, with <paramref name="environment"/>.</summary>
    public static void RegisterWith(Microsoft.ML.Runtime.IHostEnvironment environment) =>
        environment.ComponentCatalog.RegisterAssembly(typeof(ScalarScoringChain).Assembly);

    private static MLContext NewContext()
    {
        var ml = new MLContext();
        ml.ComponentCatalog.RegisterAssembly(typeof(ScalarScoringChain).Assembly);
        return ml;
    }
}
