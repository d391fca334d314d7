using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLStability.Trainers;

/// <summary>
/// Chooses how a fit gets its rows (<see cref="DeepNetworkOptions.DataLoading"/>) and gets them: into memory, or as a
/// streamed source. Under Auto the in-memory copy must fit the memory budget; a view that does not know its row count
/// is read into memory until the budget is reached, and streamed if it is.
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
        try
        {
            return new Rows(TrainingDataReader.Read(input, label, featureName, featureCount, channel, limit), null);
        }
        catch (RowLimitExceededException)
        {
            channel.Info(MessageSensitivity.None, Streaming($"the view does not know its row count, and more than {limit:N0} rows of {featureCount:N0} features need more", budget));
            return new Rows(null, streamed);
        }
    }

    private static string Streaming(string why, long budget) =>
        $"StableDeep: streaming the training data (DataLoading = Auto): {why} than the budget of {Megabytes(budget)} (MemoryBudgetMegabytes).";

    private static string Megabytes(long bytes) => $"{bytes / (1 << 20):N0} MB";
}
