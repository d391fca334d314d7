using Microsoft.ML;
using MLStability.Trainers;

namespace MLStability.Benchmarks;

/// <summary>
/// Trainer-versus-hand-loop benchmark for the convolutional, recurrent and Transformer networks: the StableDeep trainer
/// with a ResNet (stages [16, 32, 64], one block each, batch norm), a one-layer LSTM of 128 units, or a 4-block post-norm
/// Transformer of width 64 (4 heads, MLP 128) over the digits' 28 rows,
/// against the same network written by hand in TorchSharp (<see cref="HandWrittenNetworks"/>), both with Adam
/// (lr 1e-3, no decay, constant), batch 128, no dropout or clipping, epochs interleaved. See docs/performance.md.
/// </summary>
internal static class NetworkBenchmark
{
    public static int Run(string network, string[] args)
    {
        var run = new RunLength(epochs: 4, rows: 8_000, rounds: 2);
        for (int i = 0; i < args.Length; i++)
        {
            if (!run.TryRead(args, ref i))
            {
                Console.Error.WriteLine($"Usage: {network} {RunLength.Usage}");
                return 2;
            }
        }
        var (epochs, rows, rounds, dataDirectory) = (run.Epochs, run.Rows, run.Rounds, run.DataDirectory);

        bool allocatorTuned = NativeAllocator.ConfigureForTraining();
        const int Classes = 10, Seed = 1;
        var ml = new MLContext(seed: Seed);
        var data = TrainingRows.Load(ml, dataDirectory ?? Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k"), rows);
        Console.WriteLine($"Network: {network}; rows: {data.Labels.Length} ({data.Source}), epochs: {epochs}, rounds: {rounds}, " +
                          $"threads: {TorchSharp.torch.get_num_threads()}, glibc allocator tuned: {allocatorTuned}");

        var options = new StableDeepOptions
        {
            Optimizer = OptimizerKind.Adam, LearningRate = 1e-3f, WeightDecay = 0, LearningRateSchedule = LearningRateScheduleKind.Constant,
            WarmupSteps = 0, GradientClipping = GradientClippingKind.None, Dropout = 0, Initialization = InitializationKind.Default,
            Epochs = epochs, BatchSize = 128, Seed = Seed, Device = "cpu",
            Precision = PrecisionKind.Float32, // as the hand-written loops compute
        };
        int[] channels = { 16, 32, 64 };
        const int LstmUnits = 128;
        Func<TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>> hand;
        if (network == "cnn")
        {
            options.Network = NetworkKind.ResNet;
            options.InputShape = new[] { 1, 28, 28 };
            options.ResNetChannels = channels;
            options.Normalization = NormalizationKind.BatchNorm;
            hand = () => HandWrittenNetworks.ResNet(28, channels, 1, Classes);
        }
        else if (network == "transformer")
        {
            // Post-norm, as LibTorch's TransformerEncoderLayer; no dropout anywhere.
            const int Width = 64, Heads = 4, FeedForward = 128, Layers = 4;
            options.Network = NetworkKind.Transformer;
            options.InputShape = new[] { 28, 28 };
            options.ModelWidth = Width;
            options.AttentionHeads = Heads;
            options.FeedForwardWidth = FeedForward;
            options.TransformerLayers = Layers;
            options.NormalizationPlacement = NormalizationPlacement.PostNorm;
            options.Normalization = NormalizationKind.LayerNorm;
            hand = () => HandWrittenNetworks.Transformer(28, 28, Width, Heads, FeedForward, Layers, Classes);
        }
        else
        {
            options.Network = NetworkKind.Recurrent;
            options.InputShape = new[] { 28, 28 };
            options.RecurrentHiddenSize = LstmUnits;
            options.Normalization = NormalizationKind.None;
            hand = () => HandWrittenNetworks.Lstm(28, 28, LstmUnits, Classes);
        }

        var result = InterleavedEpochs.Run(ml, data, options, hand, rounds);
        Console.WriteLine();
        Console.WriteLine("| loop | s/epoch (median, epochs 2+) | samples/s |");
        Console.WriteLine("| --- | --- | --- |");
        foreach (var (name, seconds) in new[] { ("hand-written TorchSharp", Statistics.Median(result.Hand)), ("StableDeep trainer", Statistics.Median(result.Ours)) })
            Console.WriteLine($"| {name} | {seconds:F2} | {data.Labels.Length / seconds:F0} |");
        Console.WriteLine();
        InterleavedEpochs.PrintRatio(result, epochs);
        return 0;
    }
}
