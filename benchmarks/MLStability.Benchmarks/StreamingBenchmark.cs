using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLStability.Trainers;

namespace MLStability.Benchmarks;

/// <summary>
/// Streaming against in-memory training (issue #13). Part 1: a synthetic view that generates its rows on the fly from
/// the row index (no disk, nothing held; it cannot shuffle, so the shuffle buffer is used), far larger than memory
/// allows in memory, trained one epoch with DataLoading = Streaming; reports the process's peak resident memory.
/// Part 2: a data set that fits (held in a list, which ML.NET can shuffle), trained with InMemory and Streaming
/// alternately, samples per second per epoch.
/// </summary>
internal static class StreamingBenchmark
{
    public static int Run(string[] args)
    {
        long largeRows = 2_000_000;
        int features = 784, fittingRows = 50_000, rounds = 2, epochs = 2;
        bool skipLarge = false, skipFitting = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows": largeRows = long.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--features": features = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--fitting-rows": fittingRows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--epochs": epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--skip-large": skipLarge = true; break;
                case "--skip-fitting": skipFitting = true; break;
                default:
                    Console.Error.WriteLine("Usage: streaming [--rows N] [--features N] [--fitting-rows N] [--rounds N] [--epochs N] [--skip-large] [--skip-fitting]");
                    return 2;
            }
        }
        NativeAllocator.ConfigureForTraining();
        var ml = new MLContext(seed: 1);
        var table = new List<string>();

        // Part 2 first (unless skipped). The peak resident memory is the process's: run part 1 alone (--skip-fitting) for it.
        var rows = Enumerable.Range(0, skipFitting ? 0 : fittingRows).Select(i => SyntheticRows.Make(i, features)).ToList();
        var fitting = ml.Data.LoadFromEnumerable(rows, SyntheticRows.Schema(features));
        var throughput = new Dictionary<DataLoadingKind, List<double>> { [DataLoadingKind.InMemory] = new(), [DataLoadingKind.Streaming] = new() };
        var accuracy = new Dictionary<DataLoadingKind, double>();
        for (int round = 1; round <= (skipFitting ? 0 : rounds); round++)
        {
            foreach (var loading in round % 2 == 1 ? new[] { DataLoadingKind.InMemory, DataLoadingKind.Streaming } : new[] { DataLoadingKind.Streaming, DataLoadingKind.InMemory })
            {
                var model = ml.MulticlassClassification.Trainers.StableDeep(Options(loading, epochs)).Fit(fitting);
                var perEpoch = model.TrainingHistory.Select(h => fittingRows / h.Seconds).ToList();
                throughput[loading].AddRange(perEpoch);
                accuracy[loading] = ml.MulticlassClassification.Evaluate(model.Transform(fitting)).MicroAccuracy;
                Console.WriteLine($"round {round}, {loading}: samples/s per epoch [{string.Join(", ", perEpoch.Select(s => s.ToString("F0", CultureInfo.InvariantCulture)))}], training accuracy {accuracy[loading]:F4}");
            }
        }
        double inMemory = 0, streamed = 0;
        if (!skipFitting)
        {
            (inMemory, streamed) = (Statistics.Median(throughput[DataLoadingKind.InMemory]), Statistics.Median(throughput[DataLoadingKind.Streaming]));
            table.Add($"| {fittingRows:N0} | {features} | (not measured) | {inMemory:F0} | in memory |");
            table.Add($"| {fittingRows:N0} | {features} | (not measured) | {streamed:F0} | streaming (ML.NET's shuffled cursor) |");
        }

        if (!skipLarge)
        {
            rows.Clear();
            rows = null;
            GC.Collect();
            var large = ml.Data.LoadFromEnumerable(SyntheticRows.Lazy(largeRows, features), SyntheticRows.Schema(features));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            // The view does not know its row count: Auto with its defaults reads a bounded sample (256 MB), then streams.
            var options = Options(DataLoadingKind.Auto, 1);
            var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(large);
            var epoch = model.TrainingHistory.Single();
            long peak = PeakResidentBytes();
            Console.WriteLine($"{largeRows:N0} rows x {features} features ({largeRows * features * 4.0 / 1e9:F1} GB as floats), Auto: " +
                              $"one epoch in {epoch.Seconds:F0} s ({largeRows / epoch.Seconds:F0} samples/s), {clock.Elapsed.TotalSeconds:F0} s in all with the summary pass, " +
                              $"loss {epoch.TrainingLoss:F4}, peak resident memory {peak / 1e9:F2} GB " +
                              $"(managed heap now {GC.GetGCMemoryInfo().HeapSizeBytes / 1e6:F0} MB, at most {GC.GetGCMemoryInfo(GCKind.Any).PromotedBytes / 1e6:F0} MB promoted in the last collection)");
            table.Add($"| {largeRows:N0} | {features} | {peak / 1e9:F2} GB | {largeRows / epoch.Seconds:F0} | streaming (Auto with its defaults chose it after a 256 MB sample; shuffle buffer) |");
        }

        Console.WriteLine();
        Console.WriteLine("| rows | features | peak RSS | samples/s (median epoch) | path |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        table.ForEach(Console.WriteLine);
        Console.WriteLine();
        if (!skipFitting)
            Console.WriteLine($"Streaming / in-memory throughput: {streamed / inMemory:F3}; training accuracy {accuracy[DataLoadingKind.Streaming]:F4} vs {accuracy[DataLoadingKind.InMemory]:F4}");
        return 0;
    }

    private static StableDeepOptions Options(DataLoadingKind loading, int epochs) =>
        new() { Epochs = epochs, Seed = 1, Device = "cpu", DataLoading = loading, DiagnosticsInterval = 20 };

    /// <summary>VmHWM from /proc/self/status: the most resident memory the process has held.</summary>
    private static long PeakResidentBytes()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        return -1;
    }
}

/// <summary>Rows computed from their index: 10 classes, each lifting its own band of features above noise.</summary>
internal static class SyntheticRows
{
    public sealed class Row
    {
        public uint Label { get; set; }
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    public static SchemaDefinition Schema(int features)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), 10);
        schema[nameof(Row.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features);
        return schema;
    }

    /// <summary>A sequence that generates its rows again on every enumeration and holds none.</summary>
    public static IEnumerable<Row> Lazy(long rows, int features) => new Replayable(rows, features);

    public static Row Make(long index, int features)
    {
        int label = (int)(index % 10);
        var values = new float[features];
        ulong state = (ulong)index * 0x9E3779B97F4A7C15UL + 1;
        int band = features / 10;
        for (int j = 0; j < features; j++)
        {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            float noise = (state >> 40) * (1f / (1 << 24));
            values[j] = noise + (j / Math.Max(1, band) == label ? 0.5f : 0f);
        }
        return new Row { Label = (uint)label, Features = values };
    }

    private sealed class Replayable(long rows, int features) : IEnumerable<Row>
    {
        public IEnumerator<Row> GetEnumerator()
        {
            for (long i = 0; i < rows; i++)
                yield return Make(i, features);
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
