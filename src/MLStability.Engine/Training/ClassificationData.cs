namespace MLStability;

/// <summary>
/// A dense classification data set in host memory: row-major features and 0-based class indices.
/// The ML.NET layer builds it from an IDataView after checking every value.
/// </summary>
internal sealed class ClassificationData
{
    public ClassificationData(float[] features, int[] labels, int featureCount, int classCount)
    {
        if (featureCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(featureCount), featureCount, "At least one feature is needed.");
        if (features.Length != (long)labels.Length * featureCount)
            throw new ArgumentException($"Expected {labels.Length} x {featureCount} feature values, got {features.Length}.", nameof(features));
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"Row {i}: class index must be in [0, {classCount - 1}].");
        }
        Features = features;
        Labels = labels;
        FeatureCount = featureCount;
        ClassCount = classCount;
    }

    public float[] Features { get; }
    public int[] Labels { get; }
    public int FeatureCount { get; }
    public int ClassCount { get; }
    public int Rows => Labels.Length;

    /// <summary>Copies the given rows into a new data set (used for the validation split).</summary>
    public ClassificationData Subset(ReadOnlySpan<int> rows)
    {
        var features = new float[(long)rows.Length * FeatureCount];
        var labels = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++)
        {
            Array.Copy(Features, (long)rows[i] * FeatureCount, features, (long)i * FeatureCount, FeatureCount);
            labels[i] = Labels[rows[i]];
        }
        return new ClassificationData(features, labels, FeatureCount, ClassCount);
    }
}
