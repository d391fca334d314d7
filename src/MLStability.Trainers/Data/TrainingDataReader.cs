using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLStability.Trainers;

/// <summary>
/// Reads an IDataView into the engine's dense <see cref="ClassificationData"/>, checking every value on the way:
/// no native call ever sees a NaN, a wrong-size vector or an out-of-range label.
/// </summary>
internal static class TrainingDataReader
{
    public static ClassificationData Read(IDataView data, string labelName, string featureName, int featureCount,
        int classCount, IChannel channel)
    {
        var label = data.Schema[labelName];
        var feature = data.Schema[featureName];
        var features = new GrowableArray(featureCount, data.GetRowCount());
        var labels = new List<int>();
        long row = 0, missingLabels = 0;
        using (var cursor = data.GetRowCursor(new[] { label, feature }))
        {
            var readLabel = LabelReader.Create(cursor, label);
            var readFeatures = new FeatureVectorReader(cursor, feature, featureCount);
            for (; MoveNext(cursor, row); row++)
            {
                ulong key = readLabel();
                if (key == 0 || key > (ulong)classCount)
                {
                    missingLabels++; // ML.NET trainers skip rows whose label is missing.
                    continue;
                }
                readFeatures.Read(features.AppendRow(), row);
                labels.Add((int)(key - 1));
            }
        }
        if (missingLabels > 0)
            channel.Warning(MessageSensitivity.None, $"StableDeep: skipped {missingLabels} of {row} rows whose label '{labelName}' is missing.");
        if (labels.Count == 0)
            throw new ArgumentException(row == 0
                ? "StableDeep: the training data has no rows."
                : $"StableDeep: none of the {row} training rows has a label in column '{labelName}'.", nameof(data));
        int distinct = labels.Distinct().Count();
        if (distinct < 2)
            throw new ArgumentException(
                $"StableDeep: the label column '{labelName}' holds only {distinct} class in the training data; " +
                "classification needs at least 2.", nameof(data));
        return new ClassificationData(features.ToArray(labels.Count), labels.ToArray(), featureCount, classCount);
    }

    /// <summary>Moves the cursor, turning a failure of the source view into an error that says where it happened.</summary>
    private static bool MoveNext(DataViewRowCursor cursor, long row)
    {
        try
        {
            return cursor.MoveNext();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // ML.NET reads ahead on worker threads and wraps the source's exception: report the original one.
            Exception cause = e.GetBaseException();
            throw new InvalidOperationException(
                $"StableDeep: the training data view failed after {row} rows had been read ({cause.GetType().Name}: {cause.Message}).", e);
        }
    }

    /// <summary>A row-major float buffer that grows by doubling, sized up front when the row count is known.</summary>
    private sealed class GrowableArray(int rowLength, long? expectedRows)
    {
        private float[] values = new float[rowLength * Math.Clamp(expectedRows ?? 1024, 1, int.MaxValue / Math.Max(1, rowLength))];
        private long used;

        public Span<float> AppendRow()
        {
            if (used + rowLength > values.Length)
                Array.Resize(ref values, (int)Math.Min(Array.MaxLength, Math.Max(values.Length * 2L, used + rowLength)));
            var row = values.AsSpan((int)used, rowLength);
            used += rowLength;
            return row;
        }

        public float[] ToArray(int rows) => values.Length == (long)rows * rowLength ? values : values[..(rows * rowLength)];
    }
}
