using System.Globalization;
using Microsoft.ML;
using MLStability.Trainers;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Benchmarks;

/// <summary>
/// Times the StableDeep trainer against a hand-written TorchSharp loop of the same network, with their epochs
/// interleaved: the shared machine's speed drifts by tens of percent over a minute, so after each StableDeep epoch
/// (reported through Progress, on the training thread) one hand-loop epoch runs. Epoch 1 of each round warms up
/// allocators and caches and is left out.
/// </summary>
internal static class InterleavedEpochs
{
    /// <summary>Per-epoch seconds of both loops (epochs 2+) and the StableDeep Fit time without the hand-loop epochs.</summary>
    public sealed record Result(List<double> Ours, List<double> Hand, List<double> Ratios, List<double> OursFit)
    {
        public double Ratio => Statistics.Median(Ratios);
    }

    public static Result Run(MLContext ml, TrainingRows data, StableDeepOptions options, Func<nn.Module<Tensor, Tensor>> handNetwork, int rounds)
    {
        var result = new Result(new(), new(), new(), new());
        for (int round = 1; round <= rounds; round++)
        {
            using var handLoop = new HandWrittenLoop(handNetwork, data.Features, data.Labels, data.FeatureCount,
                options.BatchSize, options.EffectiveLearningRate, options.Seed ?? 1);
            var hand = new List<double>();
            options.Progress = new EpochCallback(_ => hand.Add(handLoop.TrainEpoch()));
            var pipeline = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.StableDeep(options));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var model = pipeline.Fit(data.View);
            result.OursFit.Add(clock.Elapsed.TotalSeconds - hand.Sum());
            var ours = model.LastTransformer.TrainingHistory.Select(h => h.Seconds).ToList();
            model.LastTransformer.Dispose();
            Console.WriteLine($"round {round}: StableDeep epochs [{Format(ours)}] s; hand loop epochs (each right after) [{Format(hand)}] s");
            for (int epoch = 1; epoch < ours.Count; epoch++)
            {
                result.Ours.Add(ours[epoch]);
                result.Hand.Add(hand[epoch]);
                result.Ratios.Add(ours[epoch] / hand[epoch]);
            }
        }
        return result;
    }

    public static void PrintRatio(Result result, int epochs)
    {
        Console.WriteLine($"Epoch-pair ratios StableDeep / hand-written (epochs 2+): [{Format(result.Ratios, "F3")}]");
        Console.WriteLine($"Ratio StableDeep / hand-written (median of epoch-pair ratios): {result.Ratio:F3}");
        Console.WriteLine($"StableDeep whole Fit without the interleaved hand-loop epochs (reading the IDataView, {epochs} epochs): median {Statistics.Median(result.OursFit):F2} s");
    }

    public static string Format(IEnumerable<double> values, string format = "F2") =>
        string.Join(", ", values.Select(v => v.ToString(format, CultureInfo.InvariantCulture)));

    /// <summary>Runs a callback synchronously at each epoch's end (Progress&lt;T&gt; would post it to the thread pool).</summary>
    private sealed class EpochCallback(Action<EpochProgress> callback) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => callback(value);
    }
}
