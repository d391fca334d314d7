using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLStability.Trainers;

/// <summary>
/// Reads an IDataView into the engine's dense data sets (<see cref="ClassificationData"/>, <see cref="RegressionData"/>),
/// checking every value on the way:
/// no native call ever sees a NaN, a wrong-size vector or an out-of-range label.
/// </summary>
internal static class TrainingDataReader
{
    public static ClassificationData Read(IDataView data, string labelName, string featureName, int featureCount,
        int classCount, IChannel channel)
    {
        // Key 0 (missing) and keys beyond the class count are skipped, as ML.NET trainers skip missing labels.
        var (features, labels) = ReadRows(data, labelName, featureName, featureCount, channel, (cursor, label) =>
        {
            var readKey = LabelReader.Create(cursor, label);
            return () => readKey() is ulong key && key != 0 && key <= (ulong)classCount ? key - 1 : null;
        });
        int distinct = labels.Distinct().Count();
        if (distinct < 2)
            throw new ArgumentException(
                $"StableDeep: the label column '{labelName}' holds only {distinct} class in the training data; " +
                "classification needs at least 2.", nameof(data));
        return new ClassificationData(features, labels.Select(l => (int)l).ToArray(), featureCount, classCount);
    }

    /// <summary>Reads a Single label column; rows with a NaN label are skipped, infinite labels are an error.</summary>
    public static RegressionData ReadRegression(IDataView data, string labelName, string featureName, int featureCount,
        TrainingObjective objective, IChannel channel)
    {
        var (features, labels) = ReadRows(data, labelName, featureName, featureCount, channel, (cursor, label) =>
        {
            var getter = cursor.GetGetter<float>(label);
            float value = 0;
            return () =>
            {
                getter(ref value);
                if (float.IsInfinity(value))
                    throw new InvalidOperationException(
                        $"StableDeep: the label column '{labelName}' holds {(value > 0 ? "∞" : "-∞")} at row {cursor.Position}; labels must be finite.");
                return float.IsNaN(value) ? null : value;
            };
        });
        return new RegressionData(features, labels.Select(l => (float)l).ToArray(), featureCount, 1, objective);
    }

    /// <summary>Reads a Boolean label column as 0/1 targets; both classes must occur.</summary>
    public static RegressionData ReadBinary(IDataView data, string labelName, string featureName, int featureCount,
        TrainingObjective objective, IChannel channel)
    {
        var (features, labels) = ReadRows(data, labelName, featureName, featureCount, channel, (cursor, label) =>
        {
            var getter = cursor.GetGetter<bool>(label);
            bool value = false;
            return () =>
            {
                getter(ref value);
                return value ? 1 : 0;
            };
        });
        if (labels.Distinct().Count() < 2)
            throw new ArgumentException(
                $"StableDeep: the label column '{labelName}' is {(labels.Count > 0 && labels[0] == 1 ? "true" : "false")} in every training row; " +
                "binary classification needs both classes.", nameof(data));
        return new RegressionData(features, labels.Select(l => (float)l).ToArray(), featureCount, 1, objective);
    }

    /// <summary>Reads every row's features (checked), for unsupervised training.</summary>
    public static (float[] Features, int FeatureCount) ReadFeatures(IDataView data, string featureName, int featureCount, IChannel channel) =>
        (ReadRows(data, null, featureName, featureCount, channel, (_, _) => () => 0).Features, featureCount);

    /// <summary>
    /// Reads every row's features (checked) and label (none when <paramref name="labelName"/> is null);
    /// <paramref name="createLabelReader"/> returns a reader that gives null for a row to skip (a missing label).
    /// </summary>
    private static (float[] Features, List<double> Labels) ReadRows(IDataView data, string? labelName, string featureName,
        int featureCount, IChannel channel, Func<DataViewRowCursor, DataViewSchema.Column, Func<double?>> createLabelReader)
    {
        var feature = data.Schema[featureName];
        var label = labelName is null ? feature : data.Schema[labelName];
        var features = new GrowableArray(featureCount, data.GetRowCount());
        var labels = new List<double>();
        long row = 0, missingLabels = 0;
        using (var cursor = data.GetRowCursor(new[] { label, feature }))
        {
            var readLabel = createLabelReader(cursor, label);
            var readFeatures = new FeatureVectorReader(cursor, feature, featureCount);
            for (; MoveNext(cursor, row); row++)
            {
                if (readLabel() is not double value)
                {
                    missingLabels++;
                    continue;
                }
                readFeatures.Read(features.AppendRow(), row);
                labels.Add(value);
            }
        }
        if (missingLabels > 0)
            channel.Warning(MessageSensitivity.None, $"StableDeep: skipped {missingLabels} of {row} rows whose label '{labelName}' is missing.");
        if (labels.Count == 0)
            throw new ArgumentException(row == 0
                ? "StableDeep: the training data has no rows."
                : $"StableDeep: none of the {row} training rows has a label in column '{labelName}'.", nameof(data));
        return (features.ToArray(labels.Count), labels);
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
