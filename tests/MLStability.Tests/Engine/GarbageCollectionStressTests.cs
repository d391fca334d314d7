using Microsoft.ML;

namespace MLStability.Tests;

/// <summary>
/// Training while another thread collects garbage without pause. TorchSharp 0.107 turns some numbers into temporary
/// Scalars that no one keeps alive (<c>add_(x)</c>'s alpha of 1, <c>square()</c>'s exponent, <c>BatchNorm.forward</c>'s
/// batch count): when a collection frees one while LibTorch reads it, the step fails natively ("toFloat", "alpha must
/// not be a floating point number"). Streaming makes collections frequent (a reader thread allocates); this makes them
/// constant, so that any such Scalar left on the training path fails here instead of once in a while for a user.
/// </summary>
[TestClass]
public sealed class GarbageCollectionStressTests
{
    [TestMethod]
    public void EveryOptimizerNormalizationAndClippingTrainsUnderConstantCollection()
    {
        var ml = new MLContext(seed: 1);
        var configurations = new (string Name, Action<StableDeepOptions> Configure)[]
        {
            ("AdamW + LayerNorm, streamed", o => o.DataLoading = DataLoadingKind.Streaming),
            ("Nesterov momentum", o => { o.Optimizer = OptimizerKind.Momentum; o.Nesterov = true; }),
            ("RMSprop", o => o.Optimizer = OptimizerKind.RmsProp),
            ("adaptive clipping", o => { o.GradientClipping = GradientClippingKind.Adaptive; o.ClippingThreshold = 0.01f; }),
            ("BatchNorm", o => o.Normalization = NormalizationKind.BatchNorm),
            ("RMSNorm", o => o.Normalization = NormalizationKind.RmsNorm),
            ("ResNet", o => { o.Network = NetworkKind.ResNet; o.InputShape = new[] { 1, 4, 4 }; o.ResNetChannels = new[] { 4, 8 }; }),
        };
        using var stop = new CancellationTokenSource();
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        try
        {
            foreach (var (name, configure) in configurations)
            {
                var options = new StableDeepOptions { HiddenLayers = 2, HiddenSize = 32, Epochs = 2, BatchSize = 32, Seed = 5, Device = SmallOptions.Device, DiagnosticsInterval = 3 };
                configure(options);
                var data = StreamedRows.Blobs(ml, 1500);
                var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(data);
                double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(data)).MicroAccuracy;
                Assert.IsTrue(accuracy > 0.5, $"{name}: accuracy {accuracy} (chance: 0.33)");
            }
            var rows = NonlinearData.Regression(ml, 1500, seed: 1);
            var regression = ml.Regression.Trainers.StableDeep(new StableDeepOptions { HiddenLayers = 2, HiddenSize = 32, Epochs = 8, Seed = 5, Device = SmallOptions.Device }).Fit(rows);
            double r2 = ml.Regression.Evaluate(regression.Transform(rows)).RSquared;
            Assert.IsTrue(r2 > 0, $"regression R² {r2}");
        }
        finally
        {
            stop.Cancel();
            collector.Wait();
        }
    }
}
