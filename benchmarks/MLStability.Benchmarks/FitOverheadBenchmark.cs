using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLStability.Trainers;

namespace MLStability.Benchmarks;

/// <summary>
/// What a default multiclass <c>Fit</c> spends beyond its epochs (reading the view, the robust scaling statistics,
/// scaling the training tensor, the kernel self-check, building the network): the fit's wall time minus the seconds
/// of its epochs in its own report, in one run. Usage: fit-overhead [--epochs N] [--rows N] [--data DIR] [--timeline]
/// (an MNIST-style folder, e.g. /usr/share/datasets/fashion-mnist from Debian's dataset-fashion-mnist; rows repeat to
/// reach --rows; --timeline prints the trainer's log messages with the seconds since the fit began, which shows where
/// the overhead lies).
/// </summary>
internal static class FitOverheadBenchmark
{
    public static int Run(string[] args)
    {
        var run = new RunLength(epochs: 6, rows: 60_000, rounds: 1);
        bool timeline = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--timeline")
                timeline = true;
            else if (!run.TryRead(args, ref i))
            {
                Console.Error.WriteLine($"Usage: fit-overhead {RunLength.Usage} [--timeline]");
                return 2;
            }
        }
        var ml = new MLContext(seed: 1);
        var clock = new Stopwatch();
        if (timeline)
        {
            ml.Log += (_, e) =>
            {
                if (clock.IsRunning && e.Source.Contains("StableDeep", StringComparison.Ordinal))
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {clock.Elapsed.TotalSeconds,7:F2} s  {e.Message}"));
            };
        }
        var rows = TrainingRows.Load(ml, run.DataDirectory ?? Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k"), run.Rows);
        var train = ml.Transforms.Conversion.MapValueToKey("Label").Fit(rows.View).Transform(rows.View);
        train = ml.Data.Cache(train);
        _ = train.GetColumn<uint>("Label").Count(); // the cache filled before the clock starts, as a user's loaded table
        for (int round = 1; round <= run.Rounds; round++)
        {
            clock.Restart();
            var model = ml.MulticlassClassification.Trainers.StableDeep(new StableDeepOptions { Epochs = run.Epochs, Seed = 1 }).Fit(train);
            double fit = clock.Elapsed.TotalSeconds;
            double epochs = model.TrainingReport.Epochs.Sum(e => e.Progress.Seconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"round {round}: {run.Rows} x {rows.FeatureCount} ({rows.Source}), {run.Epochs} epochs: fit {fit:F2} s, epochs {epochs:F2} s, " +
                $"overhead {fit - epochs:F2} s = {(fit - epochs) / fit:P1} of the fit"));
        }
        return 0;
    }
}
