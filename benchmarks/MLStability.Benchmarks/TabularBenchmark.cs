using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLStability.Data;
using MLStability.Trainers;

namespace MLStability.Benchmarks;

/// <summary>
/// The default StableDeep trainers against ML.NET's SDCA, FastTree and LightGBM on public tabular data sets, by
/// 5-fold cross-validation (an 80/20 split above <see cref="SplitAboveRows"/> rows, as a user would), with and without
/// NormalizeMeanVariance in front of every trainer (docs/tabular.md), and
/// the wall time of StableDeep's and LightGBM's cross-validations, measured in the same run, with their ratio over all
/// rows (docs/performance.md).
/// Usage: tabular [--folds N] [--only NAME] [--data DIR] [--set Option=Value ...] [--deep-only] [--raw-only] (--set
/// changes StableDeep's options, to measure what an option does; --raw-only skips the NormalizeMeanVariance rows).
/// </summary>
internal static class TabularBenchmark
{
    /// <summary>Tables above this many rows are scored on one 80/20 split (seed 1) instead of the cross-validation.</summary>
    private const long SplitAboveRows = 10_000;

    public static int Run(string[] args)
    {
        int folds = 5;
        string? only = null;
        var settings = new List<string>();
        bool deepOnly = false, rawOnly = false;
        string dataDirectory = Path.Combine(AppContext.BaseDirectory, "data", "tabular");
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--folds": folds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--only": only = args[++i]; break;
                case "--data": dataDirectory = args[++i]; break;
                case "--set": settings.Add(args[++i]); break;
                case "--deep-only": deepOnly = true; break;
                case "--raw-only": rawOnly = true; break;
                default: Console.Error.WriteLine($"Unknown option {args[i]}. Usage: tabular [--folds N] [--only NAME] [--data DIR] [--set Option=Value] [--deep-only] [--raw-only]"); return 2;
            }
        }
        Console.WriteLine($"{folds}-fold cross-validation (an 80/20 split above {SplitAboveRows:N0} rows), seed 1; StableDeep with " +
                          (settings.Count == 0 ? "default options." : string.Join(", ", settings) + ", other options at their defaults."));
        Console.WriteLine();
        Console.WriteLine("| data set | task (metric) | rows x features | features scaled by the user | StableDeep | SDCA | FastTree | LightGBM | best ML.NET | StableDeep - best | StableDeep s | LightGBM s |");
        Console.WriteLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        int failures = 0;
        double deepSeconds = 0, lightGbmSeconds = 0;
        foreach (var set in TabularDataSet.All.Where(s => only is null || s.Name.Contains(only, StringComparison.OrdinalIgnoreCase)))
        {
            foreach (bool normalize in rawOnly ? new[] { false } : new[] { false, true })
            {
                var ml = new MLContext(seed: 1);
                var data = Load(ml, set, dataDirectory);
                long rows = data.GetRowCount() ?? data.GetColumn<VBuffer<float>>("Features").LongCount();
                int features = ((VectorDataViewType)data.Schema["Features"].Type).Size;
                var clock = Stopwatch.StartNew();
                var results = Trainers(ml, set.Task, Options(settings)).Where(t => !deepOnly || t.Name == "StableDeep")
                    .ToDictionary(t => t.Name, t =>
                    {
                        var watch = Stopwatch.StartNew();
                        var result = CrossValidate(ml, set, data, t.Estimator, normalize, rows > SplitAboveRows ? 0 : folds);
                        return (result.Metric, result.DepthNote, Seconds: watch.Elapsed.TotalSeconds);
                    });
                var scores = results.ToDictionary(r => r.Key, r => r.Value.Metric);
                deepSeconds += results["StableDeep"].Seconds;
                double deep = scores["StableDeep"];
                string depthNote = results["StableDeep"].DepthNote;
                if (deepOnly)
                {
                    Console.WriteLine($"| {set.Name} | {(normalize ? "yes" : "no")} | StableDeep {F(deep)} in {results["StableDeep"].Seconds:F1} s | <!-- {depthNote} -->");
                    continue;
                }
                lightGbmSeconds += results["LightGBM"].Seconds;
                var (bestName, best) = scores.Where(s => s.Key != "StableDeep").MaxBy(s => s.Value);
                double gap = deep - best;
                if (gap < -0.02)
                    failures++;
                Console.WriteLine($"| {set.Name} | {set.Task} ({set.Metric}) | {rows} x {features} | {(normalize ? "yes" : "no")} | **{F(deep)}** | " +
                                  $"{F(scores["SDCA"])} | {F(scores["FastTree"])} | {F(scores["LightGBM"])} | {bestName} {F(best)} | {gap:+0.0000;-0.0000} | " +
                                  $"{results["StableDeep"].Seconds:F1} | {results["LightGBM"].Seconds:F2} | <!-- {clock.Elapsed.TotalSeconds:F0} s in all, {depthNote} -->");
            }
        }
        Console.WriteLine();
        if (!deepOnly)
        {
            Console.WriteLine($"Rows more than 0.02 below the best ML.NET trainer: {failures}.");
            Console.WriteLine($"Wall time of the {folds}-fold cross-validations, all rows: StableDeep {deepSeconds:F1} s, LightGBM {lightGbmSeconds:F1} s " +
                              $"(StableDeep / LightGBM = {deepSeconds / lightGbmSeconds:F1}).");
        }
        else
        {
            Console.WriteLine($"Wall time of StableDeep's {folds}-fold cross-validations, all rows: {deepSeconds:F1} s.");
        }
        return 0;
    }

    private static IDataView Load(MLContext ml, TabularDataSet set, string directory)
    {
        var data = TabularDataset.Load(ml, Path.Combine(directory, set.File), set.LabelKind);
        if (set.TargetScale == 1)
            return data;
        float scale = set.TargetScale;
        return ml.Transforms.CustomMapping((LabelRow input, LabelRow output) => output.Label = input.Label * scale, contractName: null)
            .Fit(data).Transform(data);
    }

    private sealed class LabelRow
    {
        public float Label { get; set; }
    }

    /// <summary>StableDeep's options with each "Name=Value" applied (enums by name, arrays as "a,b,c").</summary>
    private static StableDeepOptions Options(IEnumerable<string> settings)
    {
        var options = new StableDeepOptions();
        foreach (string setting in settings)
        {
            string[] parts = setting.Split('=', 2);
            var property = typeof(StableDeepOptions).GetProperty(parts[0]) ?? throw new ArgumentException($"No option {parts[0]}.");
            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            object value = type.IsEnum ? Enum.Parse(type, parts[1])
                : type == typeof(int[]) ? parts[1].Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray()
                : Convert.ChangeType(parts[1], type, CultureInfo.InvariantCulture);
            property.SetValue(options, value);
        }
        return options;
    }

    private static IEnumerable<(string Name, IEstimator<ITransformer> Estimator)> Trainers(MLContext ml, TabularTask task, StableDeepOptions options)
    {
        switch (task)
        {
            case TabularTask.Multiclass:
                yield return ("StableDeep", ml.MulticlassClassification.Trainers.StableDeep(options));
                yield return ("SDCA", ml.MulticlassClassification.Trainers.SdcaMaximumEntropy());
                yield return ("FastTree", ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree()));
                yield return ("LightGBM", ml.MulticlassClassification.Trainers.LightGbm());
                break;
            case TabularTask.Binary:
                yield return ("StableDeep", ml.BinaryClassification.Trainers.StableDeep(options));
                yield return ("SDCA", ml.BinaryClassification.Trainers.SdcaLogisticRegression());
                yield return ("FastTree", ml.BinaryClassification.Trainers.FastTree());
                yield return ("LightGBM", ml.BinaryClassification.Trainers.LightGbm());
                break;
            default:
                yield return ("StableDeep", ml.Regression.Trainers.StableDeep(options));
                yield return ("SDCA", ml.Regression.Trainers.Sdca());
                yield return ("FastTree", ml.Regression.Trainers.FastTree());
                yield return ("LightGBM", ml.Regression.Trainers.LightGbm());
                break;
        }
    }

    /// <summary>
    /// The metric averaged over the folds (or on the 20% test rows when <paramref name="folds"/> is 0), and for
    /// StableDeep what its automatic depth chose in them.
    /// </summary>
    private static (double Metric, string DepthNote) CrossValidate(MLContext ml, TabularDataSet set, IDataView data, IEstimator<ITransformer> trainer, bool normalize, int folds)
    {
        IEstimator<ITransformer> pipeline = set.Task == TabularTask.Multiclass
            ? ml.Transforms.Conversion.MapValueToKey("Label")
            : new EstimatorChain<ITransformer>();
        if (normalize)
            pipeline = pipeline.Append(ml.Transforms.NormalizeMeanVariance("Features"));
        pipeline = pipeline.Append(trainer);
        var (metric, models) = folds == 0 ? Split(ml, set.Task, data, pipeline) : set.Task switch
        {
            TabularTask.Multiclass => Results(ml.MulticlassClassification.CrossValidate(data, pipeline, folds), f => f.Metrics.MicroAccuracy, f => f.Model),
            TabularTask.Binary => Results(ml.BinaryClassification.CrossValidateNonCalibrated(data, pipeline, folds), f => f.Metrics.AreaUnderRocCurve, f => f.Model),
            _ => Results(ml.Regression.CrossValidate(data, pipeline, folds), f => f.Metrics.RSquared, f => f.Model),
        };
        var reports = models.OfType<TransformerChain<ITransformer>>().Select(m => m.LastTransformer).OfType<StableDeepPredictionTransformer>()
            .Select(m => m.TrainingReport).ToList();
        var depths = reports.Select(r => r.DepthSelection).ToList();
        var embeddings = reports.Select(r => r.EmbeddingSelection).ToList();
        if (embeddings.Count > 0 && embeddings.All(e => e is not null))
            return (metric, $"periodic embedding in {embeddings.Count(e => e!.Chosen == NumericEmbeddingKind.Periodic)} of {embeddings.Count} fits; " +
                            "held-out loss (plain, periodic) " + string.Join(" ", embeddings.Select(e => $"({F(e!.PlainLoss)}, {F(e.PeriodicLoss)})")));
        if (depths.Count == 0 || depths.Any(d => d is null))
            return (metric, "");
        return (metric, $"linear model in {depths.Count(d => d!.ChoseLinearModel)}, both in {depths.Count(d => d!.Combined)} of {depths.Count} folds, " +
                        $"mean held-out loss linear {F(depths.Average(d => d!.LinearModelLoss))}, network {F(depths.Average(d => d!.NetworkLoss))}, " +
                        $"combined {F(depths.Average(d => d!.CombinedLoss ?? double.NaN))}; weights (linear, network) " +
                        string.Join(" ", depths.Select(d => $"({d!.LinearWeight:F2}, {d.NetworkWeight:F2})")));
    }

    private static (double Metric, List<ITransformer> Models) Split(MLContext ml, TabularTask task, IDataView data, IEstimator<ITransformer> pipeline)
    {
        var split = ml.Data.TrainTestSplit(data, testFraction: 0.2, seed: 1);
        var model = pipeline.Fit(split.TrainSet);
        var scored = model.Transform(split.TestSet);
        double metric = task switch
        {
            TabularTask.Multiclass => ml.MulticlassClassification.Evaluate(scored).MicroAccuracy,
            TabularTask.Binary => ml.BinaryClassification.EvaluateNonCalibrated(scored).AreaUnderRocCurve,
            _ => ml.Regression.Evaluate(scored).RSquared,
        };
        return (metric, new List<ITransformer> { model });
    }

    private static (double Metric, List<ITransformer> Models) Results<T>(IReadOnlyList<T> folds, Func<T, double> metric, Func<T, ITransformer> model) =>
        (folds.Average(metric), folds.Select(model).ToList());

    private static string F(double value) => value.ToString("F4", CultureInfo.InvariantCulture);
}
