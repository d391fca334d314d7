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
    /// <summary>
    /// Reads every row with a label into memory. With <paramref name="rowLimit"/>, stops with
    /// <see cref="RowLimitExceededException"/> as soon as more rows than that have been read (Auto data loading).
    /// </summary>
    /// <remarks>Without a label column (<paramref name="label"/> null: the autoencoder) the features are the targets.</remarks>
    public static SupervisedData Read(IDataView data, LabelColumn? label, string featureName, int featureCount, IChannel channel,
        long rowLimit = long.MaxValue)
    {
        var (features, labels) = ReadRows(data, label, featureName, featureCount, channel, rowLimit);
        if (label is null)
            return new RegressionData(features, features, featureCount, featureCount, targetsAreFeatures: true);
        var distinct = new HashSet<float>();
        foreach (float value in labels)
            LabelColumn.AddDistinct(distinct, value);
        label.CheckDistinct(distinct);
        return label.Objective == TrainingObjective.CrossEntropy
            ? new ClassificationData(features, labels.Select(l => (int)l).ToArray(), featureCount, label.OutputCount)
            : new RegressionData(features, labels.ToArray(), featureCount, 1, label.Objective);
    }

    /// <summary>Reads every row's features (checked) and label (none when <paramref name="label"/> is null).</summary>
    private static (float[] Features, List<float> Labels) ReadRows(IDataView data, LabelColumn? label, string featureName,
        int featureCount, IChannel channel, long rowLimit)
    {
        var feature = data.Schema[featureName];
        var columns = label is null ? new[] { feature } : new[] { data.Schema[label.Name], feature };
        var features = new GrowableArray(featureCount, data.GetRowCount(), featureName);
        var labels = new List<float>();
        long row = 0, missingLabels = 0;
        using (var cursor = data.GetRowCursor(columns))
        {
            var readLabel = label?.CreateReader(cursor, data.Schema) ?? (() => 0);
            var readFeatures = new FeatureVectorReader(cursor, feature, featureCount);
            for (; RowCursors.MoveNext(cursor, row); row++)
            {
                if (readLabel() is not float value)
                {
                    missingLabels++;
                    continue;
                }
                if (labels.Count == rowLimit)
                    throw new RowLimitExceededException(rowLimit);
                readFeatures.Read(features.AppendRow(), row);
                labels.Add(value);
            }
        }
        if (missingLabels > 0)
            channel.Warning(MessageSensitivity.None, $"StableDeep: skipped {missingLabels} of {row} rows whose label '{label?.Name}' is missing.");
        if (labels.Count == 0)
            throw new ArgumentException(row == 0
                ? "StableDeep: the training data has no rows."
                : $"StableDeep: none of the {row} training rows has a label in column '{label?.Name}'.", nameof(data));
        return (features.ToArray(labels.Count), labels);
    }
}

/// <summary>Auto data loading read more rows than its memory budget allows: the fit streams instead.</summary>
internal sealed class RowLimitExceededException(long limit) : Exception($"More than {limit} rows.");

/// <summary>
/// A row-major float buffer that grows by doubling, sized up front when the row count is known. One .NET array
/// holds at most <see cref="Array.MaxLength"/> values: data beyond that is an early, clear error, not a range
/// exception deep inside the copy.
/// </summary>
internal sealed class GrowableArray
{
    private readonly int rowLength;
    private readonly string column;
    private float[] values;
    private long used;

    public GrowableArray(int rowLength, long? expectedRows, string column)
    {
        this.rowLength = rowLength;
        this.column = column;
        if (expectedRows is long rows && rows * rowLength > Array.MaxLength)
            throw TooLarge(rows);
        values = new float[rowLength * Math.Clamp(expectedRows ?? 1024, 1, Array.MaxLength / Math.Max(1, rowLength))];
    }

    public Span<float> AppendRow()
    {
        if (used + rowLength > values.Length)
        {
            if (used + rowLength > Array.MaxLength)
                throw TooLarge(used / rowLength + 1);
            Array.Resize(ref values, (int)Math.Min(Array.MaxLength, Math.Max(values.Length * 2L, used + rowLength)));
        }
        var row = values.AsSpan((int)used, rowLength);
        used += rowLength;
        return row;
    }

    public float[] ToArray(int rows) => values.Length == (long)rows * rowLength ? values : values[..(rows * rowLength)];

    private InvalidOperationException TooLarge(long rows) => new(
        $"StableDeep: {rows:N0} rows of {rowLength:N0} values in '{column}' are more than one in-memory array holds " +
        $"({Array.MaxLength:N0} values), and DataLoading = InMemory asks for one. Set DataLoading = Streaming (or Auto) to " +
        "stream the rows instead.");
}
