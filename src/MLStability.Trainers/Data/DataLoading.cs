using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLStability.Trainers;

/// <summary>
/// Chooses how a fit gets its rows (<see cref="DeepNetworkOptions.DataLoading"/>) and gets them: into memory, or as a
/// streamed source. Under Auto the in-memory copy must fit the memory budget. A view that does not know its row count
/// (text files, LoadFromEnumerable) may be larger than memory, and every row read before deciding is held: it is read
/// into memory up to <see cref="UnknownLengthLimitBytes"/> (256 MB unless MemoryBudgetMegabytes is set), kept there
/// if it ends within that, and streamed from the start if it does not.
/// </summary>
internal static class DataLoading
{
    /// <summary>The rows of a fit: in memory, or streamed (exactly one is set).</summary>
    public sealed record Rows(SupervisedData? InMemory, IRowSource? Streamed);

    /// <summary>Bytes the in-memory path needs per row: the rows read, their tensor and the validation split's copies.</summary>
    public static long BytesPerRow(int featureCount) => (featureCount + 1) * sizeof(float) * 3L;

    /// <summary>The in-memory budget: MemoryBudgetMegabytes, or a quarter of the memory available to the process.</summary>
    public static long BudgetBytes(DeepNetworkOptions options) =>
        options.MemoryBudgetMegabytes is int megabytes ? megabytes * (1L << 20) : GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4;

    /// <summary>What Auto reads of a view of unknown length before it streams, by default: a bounded sample, not the budget.</summary>
    public const long UnknownLengthSampleBytes = 256L << 20;

    /// <summary>
    /// How much of a view that does not know its row count Auto reads into memory before it streams: the budget when
    /// MemoryBudgetMegabytes is set (the user's choice), else the smaller of the budget and <see cref="UnknownLengthSampleBytes"/>.
    /// </summary>
    public static long UnknownLengthLimitBytes(DeepNetworkOptions options) =>
        options.MemoryBudgetMegabytes is null ? Math.Min(BudgetBytes(options), UnknownLengthSampleBytes) : BudgetBytes(options);

    /// <summary>Loads the rows as the options say; <paramref name="label"/> null for the autoencoder (features are targets).</summary>
    public static Rows Load(DeepNetworkOptions options, IDataView input, LabelColumn? label, string featureName, int featureCount, IChannel channel)
    {
        var streamed = new DataViewRowSource(input, label, featureName, featureCount, channel);
        if (options.DataLoading == DataLoadingKind.Streaming)
            return new Rows(null, streamed);
        if (options.DataLoading == DataLoadingKind.InMemory)
            return new Rows(TrainingDataReader.Read(input, label, featureName, featureCount, channel), null);

        long budget = BudgetBytes(options), limit = budget / BytesPerRow(featureCount);
        long? known = input.GetRowCount();
        if (known is long rows && rows > limit)
        {
            channel.Info(MessageSensitivity.None, Streaming($"{rows:N0} rows of {featureCount:N0} features need about {Megabytes(rows * BytesPerRow(featureCount))} in memory", budget));
            return new Rows(null, streamed);
        }
        if (known is not null)
            return new Rows(TrainingDataReader.Read(input, label, featureName, featureCount, channel), null);
        long sample = UnknownLengthLimitBytes(options), sampleRows = sample / BytesPerRow(featureCount);
        try
        {
            return new Rows(TrainingDataReader.Read(input, label, featureName, featureCount, channel, sampleRows), null);
        }
        catch (RowLimitExceededException)
        {
            channel.Info(MessageSensitivity.None, Streaming($"the view does not know its row count, and more than {sampleRows:N0} rows of {featureCount:N0} features need more", sample));
            return new Rows(null, streamed);
        }
    }

    private static string Streaming(string why, long budget) =>
        $"StableDeep: streaming the training data (DataLoading = Auto): {why} than the {Megabytes(budget)} Auto may hold in memory (MemoryBudgetMegabytes).";

    private static string Megabytes(long bytes) => $"{bytes / (1 << 20):N0} MB";
}
