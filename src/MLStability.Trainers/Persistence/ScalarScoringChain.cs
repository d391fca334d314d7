using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// The chains StableDeep regression, binary, featurizer and autoencoder transformers save themselves as: OnnxTransformer
/// running the exported network (see <see cref="OnnxStep"/>; its [N, 1] outputs become 1-slot vectors), CustomMapping
/// steps to the scalar columns ML.NET's own trainers produce (see <see cref="RegressionScoreMapping"/>,
/// <see cref="BinaryScoreMapping"/>, <see cref="ScalarValueMapping"/>), and DropColumns of the intermediate columns.
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
        return OnnxStep.Apply(ml, onnxModel, featureColumn, ScoreVectorColumn)
            .Append(ml.Transforms.CustomMapping<RegressionScoreVector, RegressionScore>(RegressionScoreMapping.Map, RegressionScoreMapping.ContractName))
            .Append(ml.Transforms.DropColumns(ScoreVectorColumn))
            .Fit(EmptyFeatures.View(ml, featureColumn, featureCount));
    }

    public static ITransformer Binary(byte[] onnxModel, string featureColumn, int featureCount)
    {
        var ml = NewContext();
        string[] vectors = { ScoreVectorColumn, ProbabilityVectorColumn, PredictedVectorColumn };
        return OnnxStep.Apply(ml, onnxModel, featureColumn, vectors)
            .Append(ml.Transforms.CustomMapping<BinaryScoreVectors, BinaryScores>(BinaryScoreMapping.Map, BinaryScoreMapping.ContractName))
            .Append(ml.Transforms.DropColumns(vectors))
            .Fit(EmptyFeatures.View(ml, featureColumn, featureCount));
    }

    /// <summary>
    /// A featurizer: OnnxTransformer alone, its output the embedding column (an E-vector). Stock transforms only.
    /// </summary>
    public static ITransformer Featurizer(byte[] onnxModel, string featureColumn, int featureCount, string embeddingColumn)
    {
        var ml = new MLContext();
        return OnnxStep.Apply(ml, onnxModel, featureColumn, embeddingColumn)
            .Fit(EmptyFeatures.View(ml, featureColumn, featureCount));
    }

    /// <summary>
    /// An autoencoder: OnnxTransformer (outputs the embedding and a 1-slot error vector), the error as a scalar under
    /// <paramref name="errorColumn"/>, intermediate columns dropped.
    /// </summary>
    public static ITransformer Autoencoder(byte[] onnxModel, string featureColumn, int featureCount, string embeddingColumn, string errorColumn)
    {
        var ml = NewContext();
        return OnnxStep.Apply(ml, onnxModel, featureColumn, embeddingColumn, ValueVectorColumn)
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
