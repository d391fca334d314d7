using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLStability.Data;
using MLStability.Trainers;

namespace MLStability.Benchmarks;

/// <summary>
/// The default StableDeep multiclass trainer (the MLP) against ML.NET's LightGBM at its defaults on an MNIST-style
/// data set's own train and test split, in one run: each one's test accuracy and fit wall time, and the ratio of the
/// times (docs/performance.md). Usage: versus-lightgbm [--data DIR] [--epochs N] (DIR an MNIST-style folder, e.g.
/// /usr/share/datasets/fashion-mnist from Debian's dataset-fashion-mnist; the bundled digits by default; --epochs
/// overrides StableDeep's automatic count).
/// </summary>
internal static class ImagesVersusLightGbmBenchmark
{
    public static int Run(string[] args)
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k");
        int? epochs = null;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--data": directory = args[++i]; break;
                case "--epochs": epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine("Usage: versus-lightgbm [--data DIR] [--epochs N]"); return 2;
            }
        }
        var ml = new MLContext(seed: 1);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label").Fit(MnistDataset.Load(ml, directory, MnistSplit.Train));
        // Cached and read once before any clock starts, as a user's loaded table.
        var train = ml.Data.Cache(keys.Transform(MnistDataset.Load(ml, directory, MnistSplit.Train)));
        var test = ml.Data.Cache(keys.Transform(MnistDataset.Load(ml, directory, MnistSplit.Test)));
        long trainRows = train.GetColumn<uint>("Label").LongCount(), testRows = test.GetColumn<uint>("Label").LongCount();
        Console.WriteLine($"{directory}: {trainRows} training rows, {testRows} test rows; seed 1; processor {KernelSelfCheck.Processor}.");
        Console.WriteLine();
        Console.WriteLine("| trainer | test accuracy | fit seconds |");
        Console.WriteLine("| --- | --- | --- |");
        var deep = Measure(ml, train, test, ml.MulticlassClassification.Trainers.StableDeep(new StableDeepOptions { Seed = 1, Epochs = epochs }));
        Console.WriteLine($"| StableDeep (MLP, defaults{(epochs is int e ? $", Epochs = {e}" : "")}) | {deep.Accuracy:F4} | {deep.Seconds:F1} |");
        var lightGbm = Measure(ml, train, test, ml.MulticlassClassification.Trainers.LightGbm());
        Console.WriteLine($"| LightGBM (defaults) | {lightGbm.Accuracy:F4} | {lightGbm.Seconds:F1} |");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"StableDeep / LightGBM fit time = {deep.Seconds / lightGbm.Seconds:F2}; accuracy StableDeep - LightGBM = {deep.Accuracy - lightGbm.Accuracy:+0.0000;-0.0000}."));
        return 0;
    }

    private static (double Accuracy, double Seconds) Measure(MLContext ml, IDataView train, IDataView test, IEstimator<ITransformer> trainer)
    {
        var clock = Stopwatch.StartNew();
        var model = trainer.Fit(train);
        double seconds = clock.Elapsed.TotalSeconds;
        return (ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy, seconds);
    }
}
