// The MNIST pipeline: a deep MLP (or a ResNet, an LSTM or a Transformer over rows, with --network) trained with MLStability's StableDeep trainer inside a standard ML.NET pipeline.
// MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges; the bundled 10,000 digits are a subset.
using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Transforms;
using MLStability;
using MLStability.Data;
using MLStability.Trainers;
using MnistPipeline;

SampleArguments arguments;
try
{
    arguments = SampleArguments.Parse(args);
}
catch (HelpRequestedException)
{
    Console.WriteLine(SampleArguments.Usage);
    return 0;
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(SampleArguments.Usage);
    return 2;
}

NativeAllocator.ConfigureForTraining(); // Fewer page faults in the first epochs (see docs/performance.md).
var clock = Stopwatch.StartNew();
string dataDirectory = arguments.DataDirectory ?? Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k");
if (arguments.Download)
{
    var mirror = arguments.Mirror != null ? new Uri(arguments.Mirror) : MnistDownloader.DefaultMirror;
    dataDirectory = await MnistDownloader.EnsureDownloadedAsync(mirror, arguments.DataDirectory ?? MnistDownloader.DefaultCacheDirectory,
        log: Console.WriteLine);
}

var options = arguments.Options;
options.Progress = new ConsoleProgress();
var ml = new MLContext(seed: options.Seed);
var train = MnistDataset.Load(ml, dataDirectory, MnistSplit.Train);
var test = MnistDataset.Load(ml, dataDirectory, MnistSplit.Test);
Console.WriteLine($"Data: {dataDirectory} ({train.GetRowCount()} training and {test.GetRowCount()} test images)");
string network = options.Network switch
{
    NetworkKind.ResNet => $"ResNet [{string.Join(", ", options.ResNetChannels)}] x {options.ResNetBlocksPerStage} blocks",
    NetworkKind.Recurrent => $"{options.RecurrentCell} x {options.RecurrentLayers} of {options.RecurrentHiddenSize} units over 28 rows",
    NetworkKind.Transformer => $"{options.EffectiveNormalizationPlacement} Transformer, {options.TransformerLayers} blocks of width {options.ModelWidth}, " +
                               $"{options.AttentionHeads} heads, over 28 rows",
    _ => $"{options.HiddenLayers ?? DeepNetworkOptions.AutomaticHiddenLayers} hidden layers x {options.HiddenSize?.ToString() ?? "automatic (256 for these 8,000 rows)"}",
};
Console.WriteLine($"Network: {network}, {options.Activation}, " +
                  $"residual={options.ResidualConnections}, normalization={options.EffectiveNormalization}, init={options.Initialization}, " +
                  $"clipping={options.GradientClipping}, optimizer={options.Optimizer}, schedule={options.LearningRateSchedule}");

var toKey = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
if (arguments.LearningRatePlot is string plot)
{
    var rangeTest = ml.MulticlassClassification.Trainers.StableDeep(options).FindLearningRate(toKey.Fit(train).Transform(train));
    Console.WriteLine($"{rangeTest} Plot: {rangeTest.SavePlot(plot)}");
    options.LearningRate = (float?)rangeTest.SuggestedLearningRate ?? options.LearningRate;
}
var pipeline = toKey
    .Append(ml.MulticlassClassification.Trainers.StableDeep(options))
    .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
var model = pipeline.Fit(train);
var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));

Console.WriteLine();
Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());
Console.WriteLine($"MicroAccuracy: {metrics.MicroAccuracy:F4}");
Console.WriteLine($"MacroAccuracy: {metrics.MacroAccuracy:F4}");
Console.WriteLine($"LogLoss: {metrics.LogLoss:F4}");
var kernels = model.OfType<StableDeepTransformer>().Single().TrainingReport.KernelRoutes;
var routed = kernels.Where(k => k.IsRouted).ToArray();
Console.WriteLine($"Kernels: {kernels.Count} checked on {KernelSelfCheck.Processor}; " +
                  (routed.Length == 0 ? "LibTorch's own kernels everywhere" : "routed: " + string.Join("; ", routed.AsEnumerable())));
Console.WriteLine($"Total seconds: {clock.Elapsed.TotalSeconds:F1}");
return 0;

/// <summary>Prints each epoch as it finishes (Progress&lt;T&gt; would post to the thread pool and reorder lines).</summary>
internal sealed class ConsoleProgress : IProgress<EpochProgress>
{
    public void Report(EpochProgress value) => Console.WriteLine(value);
}
