using System.Globalization;
using Microsoft.ML;
using MLStability.Trainers;

namespace MLStability.Benchmarks;

/// <summary>
/// The cost of gradient-health monitoring: the default StableDeep preset trained with its default DiagnosticsInterval
/// against DiagnosticsInterval = 0 (off), alternating in one process. The shared machine's speed
/// drifts by tens of percent between runs, so the figure is the median of the ratios of adjacent pairs of runs.
/// </summary>
internal static class DiagnosticsBenchmark
{
    public static int Run(string[] args)
    {
        int epochs = 2, rows = 20_000, rounds = 8, depth = 8;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs": epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rows": rows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--depth": depth = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine("Usage: diagnostics [--epochs N] [--rows N] [--rounds N] [--depth N]"); return 2;
            }
        }
        NativeAllocator.ConfigureForTraining();
        var ml = new MLContext(seed: 1);
        var data = TrainingRows.Load(ml, Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k"), rows);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(data.View).Transform(data.View);
        Console.WriteLine($"Default preset, {depth} hidden layers of 256, {rows} rows, {epochs} epochs, {rounds} rounds");

        int sampled = new StableDeepOptions().DiagnosticsInterval;
        var seconds = new Dictionary<int, List<double>> { [0] = new(), [sampled] = new() };
        var ratios = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            // Alternate which runs first, so drift within a pair does not favour one side.
            foreach (int interval in round % 2 == 1 ? new[] { 0, sampled } : new[] { sampled, 0 })
            {
                var options = new StableDeepOptions { HiddenLayers = depth, Epochs = epochs, Seed = 1, Device = "cpu", DiagnosticsInterval = interval };
                var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(keyed);
                var epochSeconds = model.TrainingHistory.Skip(1).Select(h => h.Seconds).ToList();
                seconds[interval].AddRange(epochSeconds);
                Console.WriteLine($"round {round}, DiagnosticsInterval = {interval}: epochs 2+ [{string.Join(", ", epochSeconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))}] s");
            }
            ratios.Add(seconds[sampled].Skip(seconds[sampled].Count - (epochs - 1)).Sum() / seconds[0].Skip(seconds[0].Count - (epochs - 1)).Sum());
        }
        double off = Statistics.Median(seconds[0]), on = Statistics.Median(seconds[sampled]);
        Console.WriteLine();
        Console.WriteLine("| DiagnosticsInterval | s/epoch (median, epochs 2+) |");
        Console.WriteLine("| --- | --- |");
        Console.WriteLine($"| 0 (off) | {off:F3} |");
        Console.WriteLine($"| {sampled} (default) | {on:F3} |");
        Console.WriteLine();
        Console.WriteLine($"Paired ratios (on/off): [{string.Join(", ", ratios.Select(r => r.ToString("F3", CultureInfo.InvariantCulture)))}]");
        Console.WriteLine($"Monitoring overhead (median paired ratio): {100 * (Statistics.Median(ratios) - 1):F1}% of epoch time");
        return 0;
    }
}
