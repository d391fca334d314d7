using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLStability.Trainers;

// OnnxTransformer only yields vector columns, and no stock ML.NET transform turns a 1-slot vector into a scalar, so a
// saved regression or binary model ends with these CustomMapping steps. ML.NET finds them when loading through
// mlContext.ComponentCatalog.RegisterAssembly(typeof(StableDeepRegressionTransformer).Assembly); the StableDeep
// catalog methods and ModelPersistenceCatalog.LoadVerified register it for their MLContext.

/// <summary>Used by saved StableDeep regression models: the ONNX output, a 1-slot vector.</summary>
public sealed class RegressionScoreVector
{
    /// <summary>The network's value.</summary>
    [ColumnName(ScalarScoringChain.ScoreVectorColumn), VectorType(1)]
    public float[] Score { get; set; } = Array.Empty<float>();
}

/// <summary>Used by saved StableDeep regression models: the Score column of ML.NET's regression trainers.</summary>
public sealed class RegressionScore
{
    /// <summary>The predicted value.</summary>
    public float Score { get; set; }
}

/// <summary>Used by saved StableDeep regression models: 1-slot vector to scalar Score.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class RegressionScoreMapping : CustomMappingFactory<RegressionScoreVector, RegressionScore>
{
    /// <summary>The name a saved model refers to this mapping by.</summary>
    public const string ContractName = "MLStability.RegressionScore";

    /// <summary>Copies the single value.</summary>
    public override Action<RegressionScoreVector, RegressionScore> GetMapping() => Map;

    internal static void Map(RegressionScoreVector input, RegressionScore output) => output.Score = input.Score[0];
}

/// <summary>Used by saved StableDeep binary models: the ONNX outputs, 1-slot vectors.</summary>
public sealed class BinaryScoreVectors
{
    /// <summary>The logit.</summary>
    [ColumnName(ScalarScoringChain.ScoreVectorColumn), VectorType(1)]
    public float[] Score { get; set; } = Array.Empty<float>();

    /// <summary>The probability of true.</summary>
    [ColumnName(ScalarScoringChain.ProbabilityVectorColumn), VectorType(1)]
    public float[] Probability { get; set; } = Array.Empty<float>();

    /// <summary>Whether the logit is positive.</summary>
    [ColumnName(ScalarScoringChain.PredictedVectorColumn), VectorType(1)]
    public bool[] PredictedLabel { get; set; } = Array.Empty<bool>();
}

/// <summary>Used by saved StableDeep binary models: the columns of ML.NET's binary classifiers.</summary>
public sealed class BinaryScores
{
    /// <summary>The logit (uncalibrated score).</summary>
    public float Score { get; set; }

    /// <summary>The probability of the positive class.</summary>
    public float Probability { get; set; }

    /// <summary>The predicted class.</summary>
    public bool PredictedLabel { get; set; }
}

/// <summary>Used by saved StableDeep binary models: 1-slot vectors to scalar Score, Probability and PredictedLabel.</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class BinaryScoreMapping : CustomMappingFactory<BinaryScoreVectors, BinaryScores>
{
    /// <summary>The name a saved model refers to this mapping by.</summary>
    public const string ContractName = "MLStability.BinaryScores";

    /// <summary>Copies the single values.</summary>
    public override Action<BinaryScoreVectors, BinaryScores> GetMapping() => Map;

    internal static void Map(BinaryScoreVectors input, BinaryScores output)
    {
        output.Score = input.Score[0];
        output.Probability = input.Probability[0];
        output.PredictedLabel = input.PredictedLabel[0];
    }
}

/// <summary>Used by saved StableDeep autoencoders: a 1-slot vector output.</summary>
public sealed class ScalarValueVector
{
    /// <summary>The value, as OnnxTransformer yields it.</summary>
    [ColumnName(ScalarScoringChain.ValueVectorColumn), VectorType(1)]
    public float[] Value { get; set; } = Array.Empty<float>();
}

/// <summary>Used by saved StableDeep autoencoders: the value as a scalar (then copied to the user's column name).</summary>
public sealed class ScalarValue
{
    /// <summary>The value.</summary>
    [ColumnName(ScalarScoringChain.ValueColumn)]
    public float Value { get; set; }
}

/// <summary>Used by saved StableDeep autoencoders: 1-slot vector to scalar (the reconstruction error).</summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class ScalarValueMapping : CustomMappingFactory<ScalarValueVector, ScalarValue>
{
    /// <summary>The name a saved model refers to this mapping by.</summary>
    public const string ContractName = "MLStability.ScalarValue";

    /// <summary>Copies the single value.</summary>
    public override Action<ScalarValueVector, ScalarValue> GetMapping() => Map;

    internal static void Map(ScalarValueVector input, ScalarValue output) => output.Value = input.Value[0];
}
