using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;
using MLStability.Data;
using MLStability.Trainers;

namespace MLStability.Benchmarks;

/// <summary>
/// Scoring benchmark: the in-memory TorchSharp model against the same model saved with mlContext.Model.Save and
/// loaded back (the ONNX Runtime path), for single-row PredictionEngine latency and batch Transform throughput.
/// </summary>
internal static class ScoringBenchmark
{
    public static int Run(string[] args)
    {
        int rows = 20_000, predictions = 3_000, rounds = 3;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rows": rows = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--predictions": predictions = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine("Usage: scoring [--rows N] [--predictions N] [--rounds N]"); return 2;
            }
        }

        var ml = new MLContext(seed: 1);
        string directory = Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k");
        var train = MnistDataset.Load(ml, directory, MnistSplit.Train);
        var options = new StableDeepOptions { Epochs = 3, Seed = 1, Device = "cpu" };
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(train).Transform(train);
        var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(keyed);
        string path = Path.Combine(Path.GetTempPath(), $"mlstability-scoring-{Guid.NewGuid():N}.zip");
        ml.Model.Save(model, train.Schema, path);
        var loaded = ml.Model.Load(path, out _);
        File.Delete(path);

        var digits = ml.Data.CreateEnumerable<MnistDataset.MnistRow>(MnistDataset.Load(ml, directory, MnistSplit.Test), false).ToArray();
        var batch = ml.Data.LoadFromEnumerable(Enumerable.Range(0, rows).Select(i => new Digit { Features = digits[i % digits.Length].Features }));
        Console.WriteLine($"Model: MLP [{string.Join(", ", options.ResolveHiddenLayerSizes())}] on 784 pixels, 10 classes; " +
                          $"batch: {rows} rows; single-row predictions: {predictions}; rounds: {rounds}; threads: {TorchSharp.torch.get_num_threads()}");

        var results = new Dictionary<string, (List<double> Latency, List<double> Throughput)>
        {
            ["TorchSharp (in memory)"] = (new(), new()),
            ["ONNX Runtime (saved and loaded)"] = (new(), new()),
        };
        for (int round = 1; round <= rounds; round++)
        {
            foreach (var (name, transformer) in new[] { ("TorchSharp (in memory)", (ITransformer)model), ("ONNX Runtime (saved and loaded)", loaded) })
            {
                results[name].Latency.Add(MedianLatencyMicroseconds(ml, transformer, digits, predictions));
                results[name].Throughput.Add(RowsPerSecond(transformer, batch, rows));
            }
        }

        Console.WriteLine();
        Console.WriteLine("| path | PredictionEngine latency, median µs/row | batch Transform, rows/s |");
        Console.WriteLine("| --- | --- | --- |");
        foreach (var (name, (latency, throughput)) in results)
            Console.WriteLine($"| {name} | {Statistics.Median(latency):F0} | {Statistics.Median(throughput):F0} |");
        return 0;
    }

    private static double MedianLatencyMicroseconds(MLContext ml, ITransformer model, MnistDataset.MnistRow[] digits, int predictions)
    {
        var engine = ml.Model.CreatePredictionEngine<Digit, Prediction>(model);
        var times = new List<double>(predictions);
        for (int i = 0; i < predictions + 200; i++)
        {
            var input = new Digit { Features = digits[i % digits.Length].Features };
            long start = Stopwatch.GetTimestamp();
            engine.Predict(input);
            if (i >= 200) // warm-up excluded
                times.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }
        return Statistics.Median(times);
    }

    private static double RowsPerSecond(ITransformer model, IDataView batch, int rows)
    {
        var clock = Stopwatch.StartNew();
        var scored = model.Transform(batch);
        using var cursor = scored.GetRowCursor(new[] { scored.Schema["Score"], scored.Schema["PredictedLabel"] });
        var score = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
        var label = cursor.GetGetter<uint>(scored.Schema["PredictedLabel"]);
        VBuffer<float> scores = default;
        uint key = 0;
        while (cursor.MoveNext())
        {
            score(ref scores);
            label(ref key);
        }
        return rows / clock.Elapsed.TotalSeconds;
    }

    private sealed class Digit
    {
        [VectorType(784)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class Prediction
    {
        public uint PredictedLabel { get; set; }
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
