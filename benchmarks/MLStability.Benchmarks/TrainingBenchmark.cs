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
        var run = new RunLength(epochs: 6, rows: 60_000, rounds: 2);
        var defaults = new StableDeepOptions();
        int diagnosticsInterval = defaults.DiagnosticsInterval;
        var policy = defaults.OnInstability;
        for (int i = 0; i < args.Length; i++)
        {
            if (run.TryRead(args, ref i))
                continue;
            switch (args[i])
            {
                case "--diagnostics": diagnosticsInterval = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--on-instability": policy = Enum.Parse<InstabilityPolicy>(args[++i], ignoreCase: true); break;
                default: Console.Error.WriteLine($"Usage: training {RunLength.Usage} [--diagnostics N] [--on-instability POLICY]"); return 2;
            }
        }
        var (epochs, rows, rounds, dataDirectory) = (run.Epochs, run.Rows, run.Rounds, run.DataDirectory);

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
            Epochs = epochs, BatchSize = BatchSize, Seed = Seed, Device = "cpu", DiagnosticsInterval = diagnosticsInterval,
            OnInstability = policy,
            Precision = PrecisionKind.Float32, // the hand-written loop computes in float32; Auto would take bfloat16 on AVX512_BF16
        };

        var result = InterleavedEpochs.Run(ml, data, options, () => HandWrittenLoop.Mlp(data.FeatureCount, hidden, Classes), rounds);

        // Training FLOPs per sample: forward, input-gradient and weight-gradient GEMMs, 2 FLOPs per multiply-add each.
        long macs = 0, width = data.FeatureCount;
        foreach (int size in hidden.Append(Classes)) { macs += width * size; width = size; }
        double flopsPerSample = 6.0 * macs;
        double handSeconds = Statistics.Median(result.Hand), oursSeconds = Statistics.Median(result.Ours);

        Console.WriteLine();
        Console.WriteLine("| loop | s/epoch (median, epochs 2+) | samples/s | GFLOP/s | % of GEMM ceiling |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var (name, seconds) in new[] { ("hand-written TorchSharp", handSeconds), ("StableDeep trainer", oursSeconds) })
        {
            double samples = data.Labels.Length / seconds, gflops = samples * flopsPerSample / 1e9;
            Console.WriteLine($"| {name} | {seconds:F2} | {samples:F0} | {gflops:F0} | {100 * gflops / ceiling:F0}% |");
        }
        Console.WriteLine();
        InterleavedEpochs.PrintRatio(result, epochs);
        return 0;
    }
}
