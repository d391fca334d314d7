// The stability lab: reproduces the classic vanishing- and exploding-gradient experiments on the bundled MNIST
// digits with the StableDeep trainer, and writes a markdown report with plots.
// MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges; the bundled 10,000 digits are a subset.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Transforms;
using MLStability;
using MLStability.Data;
using MLStability.Trainers;
using StabilityLab;

bool quick = args.Contains("--quick");
bool frontier = args.Contains("--frontier");
bool transformers = args.Contains("--transformers"); // normalization placement of Transformers at depth
string output = ArgumentAfter("--output") ?? "stability-lab";
string? tensorBoard = ArgumentAfter("--tensorboard"); // one TensorBoard run per experiment under this directory
int epochs = int.Parse(ArgumentAfter("--epochs") ?? (quick ? "5" : "10"), CultureInfo.InvariantCulture);
int rows = int.Parse(ArgumentAfter("--rows") ?? (quick ? "4000" : "8000"), CultureInfo.InvariantCulture);
int[] depths = (ArgumentAfter("--depths") ?? (frontier ? "100,1000" : transformers ? "6,24,96" : "10,20,50")).Split(',').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray();
int[] contrastDepths = (ArgumentAfter("--contrast-depths") ?? "5,10,20,30,50").Split(',').Select(d => int.Parse(d, CultureInfo.InvariantCulture)).ToArray();
int explodingDepth = depths.Length > 1 ? depths[1] : depths[0];

NativeAllocator.ConfigureForTraining();
var ml = new MLContext(seed: 1);
string data = Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k");
var train = MnistDataset.Load(ml, data, MnistSplit.Train, rows);
var test = MnistDataset.Load(ml, data, MnistSplit.Test);
Directory.CreateDirectory(output);
Console.WriteLine($"Stability lab: {rows} training digits, 2000 test digits, {epochs} epochs, width {(transformers ? Experiments.TransformerWidth : Experiments.Width)}, depths {string.Join("/", depths)}{(quick ? " (quick)" : "")}");

var results = new List<Result>();
var experiments = frontier
    ? Experiments.DepthFrontier(depths).Concat(Experiments.PlainContrast(contrastDepths))
    : transformers ? Experiments.TransformerPlacement(depths)
    : Experiments.Vanishing(depths).Concat(Experiments.Explosion(explodingDepth)).Concat(Experiments.NormalizerFree());
string? only = ArgumentAfter("--only"); // run only the configurations whose name contains this text
foreach (var experiment in experiments.Where(e => only == null || e.Name.Contains(only, StringComparison.OrdinalIgnoreCase)))
{
    var result = Run(experiment);
    results.Add(result);
    Console.WriteLine(result.Row);
}

string reportPath = Path.Combine(output, "report.md");
File.WriteAllText(reportPath, Markdown(results));
Console.WriteLine();
Console.WriteLine(Table(results));
Console.WriteLine($"Report with plots: {Path.GetFullPath(reportPath)}");
return 0;

Result Run(Experiment experiment)
{
    var options = new StableDeepOptions { HiddenLayers = experiment.Depth, HiddenSize = Experiments.Width, Epochs = epochs, Seed = 1, Device = "auto" };
    experiment.Configure(options);
    if (tensorBoard != null)
        options.TensorBoardDirectory = Path.Combine(tensorBoard, Slug(experiment));
    var clock = Stopwatch.StartNew();
    var toKey = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
    if (experiment.FindLearningRate)
    {
        var rangeTest = ml.MulticlassClassification.Trainers.StableDeep(options).FindLearningRate(toKey.Fit(train).Transform(train));
        Console.WriteLine($"{experiment.Name} at depth {experiment.Depth}: {rangeTest}");
        if (rangeTest.SuggestedLearningRate is not double suggested)
            return new Result(experiment, null, null, clock.Elapsed.TotalSeconds, "range test: no rate lowered the loss");
        options.LearningRate = (float)suggested;
    }
    var pipeline = toKey.Append(ml.MulticlassClassification.Trainers.StableDeep(options));
    try
    {
        var model = pipeline.Fit(train);
        double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;
        return new Result(experiment, accuracy, model.LastTransformer.TrainingReport, clock.Elapsed.TotalSeconds, null);
    }
    catch (TrainingDivergedException e) when (e.Report != null)
    {
        return new Result(experiment, null, e.Report, clock.Elapsed.TotalSeconds, $"diverged at step {e.Step}");
    }
}

string Markdown(List<Result> all)
{
    var md = new StringBuilder();
    md.AppendLine(frontier ? "# Depth frontier" : transformers ? "# Transformer normalization at depth" : "# Stability lab").AppendLine();
    md.AppendLine($"MNIST subset: {rows} training digits, 2000 test digits; {epochs} epochs; " +
                  (transformers ? $"Transformer over the 28 rows, model width {Experiments.TransformerWidth}, 4 heads, AdamW at 3e-3 with cosine decay; "
                                : $"hidden width {Experiments.Width}; Adam at 1e-3 unless stated; ") + "seed 1. Produced by `dotnet run -c Release --project samples/StabilityLab -- " + string.Join(" ", args) + "`.").AppendLine();
    md.AppendLine(Table(all)).AppendLine();
    md.AppendLine("First/last: the first hidden layer's weight-gradient norm divided by the output layer's, in the last epoch " +
                  "(averaged over sampled steps, before clipping). Verdict rules: see `GradientHealthVerdict`.").AppendLine();
    foreach (var result in all.Where(r => r.Report != null).Where(r => frontier ? r.Experiment.Set == "frontier"
                 : transformers ? r.Experiment.Depth == depths.Max()
                 : r.Experiment.Depth == explodingDepth || r.Experiment.Set == "exploding"))
    {
        string folder = Slug(result.Experiment);
        var report = result.Report!;
        var plots = report.SavePlots(Path.Combine(output, folder));
        md.AppendLine($"## {result.Experiment.Name} (depth {result.Experiment.Depth})").AppendLine();
        md.AppendLine($"Verdict: **{report.Verdict}**. {report.Evidence}.").AppendLine();
        if (report.Remedies.Count > 0)
            md.AppendLine("Remedies: " + string.Join("; ", report.Remedies) + ".").AppendLine();
        foreach (var ev in report.Events)
            md.AppendLine($"- epoch {ev.Epoch}, step {ev.Step}: {ev.Kind} -> {ev.Action} ({ev.Detail})");
        md.AppendLine();
        foreach (string plot in plots.Where(p => p.EndsWith("gradient_flow.png") || p.EndsWith("loss_accuracy.png")))
            md.AppendLine($"![{Path.GetFileNameWithoutExtension(plot)}]({folder}/{Path.GetFileName(plot)})");
        md.AppendLine();
    }
    return md.ToString();
}

static string Table(List<Result> all)
{
    var table = new StringBuilder();
    table.AppendLine("| set | configuration | depth | accuracy | first/last grad | verdict | seconds |");
    table.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
    foreach (var r in all)
        table.AppendLine(r.Row);
    return table.ToString().TrimEnd();
}

static string Slug(Experiment e) =>
    new string($"{e.Set}-{e.Depth}-{e.Name}".ToLowerInvariant().Select(c => char.IsLetterOrDigit(c) ? c : '-').ToArray()).Replace("--", "-").Trim('-');

string? ArgumentAfter(string name)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

/// <summary>A row's outcome; no report when nothing was trained (the range test found no rate).</summary>
internal sealed record Result(Experiment Experiment, double? Accuracy, TrainingReport? Report, double Seconds, string? Failure)
{
    public string Row =>
        $"| {Experiment.Set} | {Experiment.Name} | {Experiment.Depth} | {(Accuracy is double a ? a.ToString("F4", CultureInfo.InvariantCulture) : Failure)} | " +
        (Report is null ? "- | - | " : $"{Report.FirstToLastGradientRatio.ToString("G2", CultureInfo.InvariantCulture)} | {Report.Verdict}{(Report.Events.Count > 0 ? $" ({Report.Events.Count} events)" : "")} | ") +
        $"{Seconds.ToString("F1", CultureInfo.InvariantCulture)} |";
}
