using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Transforms;
using MLStability.Data;
using MLStability.Trainers;

namespace MLStability.Benchmarks;

/// <summary>
/// bfloat16 mixed precision against float32: the same network, data, seed and epochs trained with Precision = Float32
/// and BFloat16, alternating in one process, timed per epoch and scored on the 2,000 bundled test digits.
/// </summary>
internal static class PrecisionBenchmark
{
    public static int Run(string[] args)
    {
        var length = new RunLength(epochs: 3, rows: 4000, rounds: 2);
        int depth = 4, width = 256;
        string device = "cpu";
        for (int i = 0; i < args.Length; i++)
        {
            if (length.TryRead(args, ref i))
                continue;
            switch (args[i])
            {
                case "--depth": depth = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--width": width = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--device": device = args[++i]; break;
                default: Console.Error.WriteLine($"Usage: precision {RunLength.Usage} [--depth N] [--width N] [--device NAME]"); return 2;
            }
        }
        int epochs = length.Epochs, rows = length.Rows, rounds = length.Rounds;
        NativeAllocator.ConfigureForTraining();
        var ml = new MLContext(seed: 1);
        string directory = length.DataDirectory ?? Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k");
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
        var train = MnistDataset.Load(ml, directory, MnistSplit.Train, rows);
        var keys = toKey.Fit(train);
        var keyed = keys.Transform(train);
        var test = keys.Transform(MnistDataset.Load(ml, directory, MnistSplit.Test));
        Console.WriteLine($"{depth} hidden layers of {width}, {rows} digits, {epochs} epochs, {rounds} rounds, device {device}; " +
                          $"CPU {KernelSelfCheck.Processor}, bfloat16 instructions: {BFloat16Support.CpuBFloat16Instructions ?? "none"}");

        var seconds = new Dictionary<PrecisionKind, List<double>> { [PrecisionKind.Float32] = new(), [PrecisionKind.BFloat16] = new() };
        var accuracy = new Dictionary<PrecisionKind, List<double>> { [PrecisionKind.Float32] = new(), [PrecisionKind.BFloat16] = new() };
        for (int round = 1; round <= rounds; round++)
        {
            // Alternate which runs first, so drift within a pair does not favour one side.
            foreach (var precision in round % 2 == 1 ? new[] { PrecisionKind.Float32, PrecisionKind.BFloat16 } : new[] { PrecisionKind.BFloat16, PrecisionKind.Float32 })
            {
                var options = new StableDeepOptions { HiddenLayers = depth, HiddenSize = width, Epochs = epochs, Seed = 1, Device = device, Precision = precision };
                var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(keyed);
                double micro = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
                var epochSeconds = model.TrainingHistory.Select(h => h.Seconds).ToList();
                seconds[precision].AddRange(epochSeconds.Skip(1)); // the first epoch also pays for warm-up
                accuracy[precision].Add(micro);
                Console.WriteLine($"round {round}, {precision}: accuracy {micro:F4}, epochs [{string.Join(", ", epochSeconds.Select(s => s.ToString("F2", CultureInfo.InvariantCulture)))}] s");
            }
        }
        Console.WriteLine();
        Console.WriteLine("| precision | s/epoch (median, epochs 2+) | test accuracy (mean) |");
        Console.WriteLine("| --- | --- | --- |");
        foreach (var precision in new[] { PrecisionKind.Float32, PrecisionKind.BFloat16 })
            Console.WriteLine($"| {precision} | {Statistics.Median(seconds[precision]):F3} | {accuracy[precision].Average():F4} |");
        Console.WriteLine();
        Console.WriteLine($"BFloat16 / Float32 epoch time: {Statistics.Median(seconds[PrecisionKind.BFloat16]) / Statistics.Median(seconds[PrecisionKind.Float32]):F2}");
        return 0;
    }
}
