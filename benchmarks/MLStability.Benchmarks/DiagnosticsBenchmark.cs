using System.Globalization;
using Microsoft.ML;
using MLStability.Trainers;

namespace MLStability.Benchmarks;

/// <summary>
/// The cost of gradient-health monitoring: the default StableDeep preset trained with DiagnosticsInterval = 10
/// (the default) against DiagnosticsInterval = 0 (off), alternating in one process; seconds per epoch.
/// </summary>
internal static class DiagnosticsBenchmark
{
    public static int Run(string[] args)
    {
        int epochs = 3, rows = 30_000, rounds = 3, depth = 8;
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

        var seconds = new Dictionary<int, List<double>> { [0] = new(), [10] = new() };
        for (int round = 1; round <= rounds; round++)
        {
            foreach (int interval in new[] { 0, 10 })
            {
                var options = new StableDeepOptions { HiddenLayers = depth, Epochs = epochs, Seed = 1, Device = "cpu", DiagnosticsInterval = interval };
                var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(keyed);
                var epochSeconds = model.TrainingHistory.Skip(1).Select(h => h.Seconds).ToList();
                seconds[interval].AddRange(epochSeconds);
                Console.WriteLine($"round {round}, DiagnosticsInterval = {interval}: epochs 2+ [{string.Join(", ", epochSeconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))}] s");
            }
        }
        double off = Statistics.Median(seconds[0]), on = Statistics.Median(seconds[10]);
        Console.WriteLine();
        Console.WriteLine("| DiagnosticsInterval | s/epoch (median, epochs 2+) |");
        Console.WriteLine("| --- | --- |");
        Console.WriteLine($"| 0 (off) | {off:F3} |");
        Console.WriteLine($"| 10 (default) | {on:F3} |");
        Console.WriteLine();
        Console.WriteLine($"Monitoring overhead: {100 * (on / off - 1):F1}% of epoch time");
        return 0;
    }
}
