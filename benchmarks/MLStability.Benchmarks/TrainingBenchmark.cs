using System.Globalization;
using Microsoft.ML;
using MLStability.Trainers;

namespace MLStability.Benchmarks;

/// <summary>
/// Trainer-versus-hand-loop benchmark: the StableDeep trainer inside an ML.NET pipeline against a hand-written
/// TorchSharp loop with the identical network (784-512-256-10, ReLU), optimizer (Adam, lr 1e-3, no decay) and
/// batch size (128), on 60,000 rows, with their epochs interleaved in one process. See docs/performance.md.
/// </summary>
internal static class TrainingBenchmark
{
    public static int Run(string[] args)
    {
        int epochs = 6, rows = 60_000, rounds = 2;
        string? dataDirectory = null;
        var defaults = new StableDeepOptions();
        int diagnosticsInterval = defaults.DiagnosticsInterval;
        var policy = defaults.OnInstability;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--epochs": epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rows": rows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--data": dataDirectory = args[++i]; break;
                case "--diagnostics": diagnosticsInterval = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--on-instability": policy = Enum.Parse<InstabilityPolicy>(args[++i], ignoreCase: true); break;
                default: Console.Error.WriteLine("Usage: training [--epochs N] [--rows N] [--rounds N] [--data DIR] [--diagnostics N] [--on-instability POLICY]"); return 2;
            }
        }

        bool allocatorTuned = NativeAllocator.ConfigureForTraining();
        int[] hidden = { 512, 256 };
        const int BatchSize = 128, Classes = 10, Seed = 1;
        const double LearningRate = 1e-3;

        var ml = new MLContext(seed: Seed);
        var data = TrainingRows.Load(ml, dataDirectory ?? Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k"), rows);
        Console.WriteLine($"Rows: {data.Labels.Length} ({data.Source}), features: {data.FeatureCount}, epochs: {epochs}, rounds: {rounds}, " +
                          $"threads: {TorchSharp.torch.get_num_threads()}, glibc allocator tuned: {allocatorTuned}");

        double ceiling = GemmCeiling.GigaflopsPerSecond();
        Console.WriteLine($"GEMM ceiling (torch.mm 2048x2048): {ceiling:F0} GFLOP/s");

        var options = new StableDeepOptions
        {
            HiddenLayerSizes = hidden, Activation = ActivationKind.ReLU, ResidualConnections = false,
            Normalization = NormalizationKind.None, Initialization = InitializationKind.Default, Dropout = 0,
            GradientClipping = GradientClippingKind.None, Optimizer = OptimizerKind.Adam, LearningRate = (float)LearningRate,
            WeightDecay = 0, LearningRateSchedule = LearningRateScheduleKind.Constant, WarmupSteps = 0,
            Epochs = epochs, BatchSize = BatchSize, Seed = Seed, Device = "cpu",
};

        var handEpochs = new List<double>();
        var oursEpochs = new List<double>();
        var oursFit = new List<double>();
        var ratios = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            // The shared machine's speed drifts by tens of percent over a minute, so the two loops run interleaved:
            // after each StableDeep epoch (reported through Progress, on the training thread), one hand-loop epoch.
            using var handLoop = new HandWrittenLoop(data.Features, data.Labels, data.FeatureCount, hidden, Classes, BatchSize, LearningRate, Seed);
            var hand = new List<double>();
            options.Progress = new EpochCallback(_ => hand.Add(handLoop.TrainEpoch()));
            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.StableDeep(options));
                var clock = System.Diagnostics.Stopwatch.StartNew();
            var model = pipeline.Fit(data.View);
            oursFit.Add(clock.Elapsed.TotalSeconds - hand.Sum());
            var ours = model.LastTransformer.TrainingHistory.Select(h => h.Seconds).ToList();
            Console.WriteLine($"round {round}: StableDeep epochs [{Format(ours)}] s; hand loop epochs (each right after) [{Format(hand)}] s");
            for (int epoch = 1; epoch < epochs; epoch++) // epoch 0 warms up allocators and caches
            {
                oursEpochs.Add(ours[epoch]);
                handEpochs.Add(hand[epoch]);
                ratios.Add(ours[epoch] / hand[epoch]);
            }
        }

        // Training FLOPs per sample: forward, input-gradient and weight-gradient GEMMs, 2 FLOPs per multiply-add each.
        long macs = 0, width = data.FeatureCount;
        foreach (int size in hidden.Append(Classes)) { macs += width * size; width = size; }
        double flopsPerSample = 6.0 * macs;
        double handSeconds = Statistics.Median(handEpochs), oursSeconds = Statistics.Median(oursEpochs);

        Console.WriteLine();
        Console.WriteLine("| loop | s/epoch (median, epochs 2+) | samples/s | GFLOP/s | % of GEMM ceiling |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var (name, seconds) in new[] { ("hand-written TorchSharp", handSeconds), ("StableDeep trainer", oursSeconds) })
        {
            double samples = data.Labels.Length / seconds, gflops = samples * flopsPerSample / 1e9;
            Console.WriteLine($"| {name} | {seconds:F2} | {samples:F0} | {gflops:F0} | {100 * gflops / ceiling:F0}% |");
        }
        Console.WriteLine();
        Console.WriteLine($"Epoch-pair ratios StableDeep / hand-written (epochs 2+): [{Format(ratios, "F3")}]");
        Console.WriteLine($"Ratio StableDeep / hand-written (median of epoch-pair ratios): {Statistics.Median(ratios):F3}");
        Console.WriteLine($"StableDeep whole Fit without the interleaved hand-loop epochs (reading the IDataView, {epochs} epochs): median {Statistics.Median(oursFit):F2} s");
        return 0;
    }

    private static string Format(IEnumerable<double> values, string format = "F2") =>
        string.Join(", ", values.Select(v => v.ToString(format, CultureInfo.InvariantCulture)));

    /// <summary>Runs a callback synchronously at each epoch's end (Progress&lt;T&gt; would post it to the thread pool).</summary>
    private sealed class EpochCallback(Action<EpochProgress> callback) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => callback(value);
    }
}
