using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLStability.Trainers;

/// <summary>
/// Reads an IDataView into the engine's dense data sets (<see cref="ClassificationData"/>, <see cref="RegressionData"/>)
/// in one pass of <see cref="DataViewRowSource"/>, the same reader (and the same checks and messages) that streaming
/// uses: no native call ever sees a NaN, a wrong-size vector or an out-of-range label.
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
        var rows = new RowCollector(new GrowableArray(featureCount, data.GetRowCount(), featureName), rowLimit);
        new DataViewRowSource(data, label, featureName, featureCount, channel).Read(null, rows, CancellationToken.None);
        float[] features = rows.Features.ToArray(rows.Count);
        if (label is null)
            return new RegressionData(features, features, featureCount, featureCount, targetsAreFeatures: true);
        return label.Objective == TrainingObjective.CrossEntropy
            ? new ClassificationData(features, rows.Targets.Select(t => (int)t).ToArray(), featureCount, label.OutputCount)
            : new RegressionData(features, rows.Targets.ToArray(), featureCount, 1, label.Objective);
    }

    /// <summary>Appends the rows a source hands over; at most <paramref name="limit"/> of them.</summary>
    private sealed class RowCollector(GrowableArray features, long limit) : IRowSink
    {
        public GrowableArray Features => features;
        public List<float> Targets { get; } = new();
        public int Count { get; private set; }

        public void Accept(ReadOnlySpan<float> rowFeatures, ReadOnlySpan<float> rowTargets, ulong rowKey)
        {
            if (Count == limit)
                throw new RowLimitExceededException(limit);
            rowFeatures.CopyTo(features.AppendRow());
            if (rowTargets.Length > 0)
                Targets.Add(rowTargets[0]);
            Count++;
        }
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
