using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// A dense supervised data set in host memory: row-major features and one target per row (a class index or
/// regression values), with the objective that fits them. The ML.NET layer builds it after checking every value.
/// </summary>
internal abstract class SupervisedData
{
    protected SupervisedData(float[] features, int rows, int featureCount)
    {
        if (featureCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "At least one feature is needed.");
        if (features.Length != (long)rows * featureCount)
            throw new ArgumentException($"Expected {rows} x {featureCount} feature values, got {features.Length}.", nameof(features));
        Features = features;
        Rows = rows;
        FeatureCount = featureCount;
    }

    public float[] Features { get; }
    public int FeatureCount { get; }
    public int Rows { get; }

    /// <summary>The network's outputs per row: classes, or regression targets.</summary>
    public abstract int OutputCount { get; }

    /// <summary>The loss (and metric) that fits these targets.</summary>
    public abstract TrainingObjective Objective { get; }

    /// <summary>The targets as a tensor on <paramref name="device"/>, in the form <see cref="Objective"/> expects.</summary>
    public abstract Tensor TargetTensor(torch.Device device);

    /// <summary>A number that changes when the targets change (for checkpoint fingerprints).</summary>
    public abstract double TargetChecksum();

    /// <summary>Copies the given rows into a new data set (used for the validation split).</summary>
    public abstract SupervisedData Subset(ReadOnlySpan<int> rows);

    protected float[] SubsetFeatures(ReadOnlySpan<int> rows)
    {
        var features = new float[(long)rows.Length * FeatureCount];
        for (int i = 0; i < rows.Length; i++)
            Array.Copy(Features, (long)rows[i] * FeatureCount, features, (long)i * FeatureCount, FeatureCount);
        return features;
    }
}
