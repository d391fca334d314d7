using MLStability.Networks;
using MLStability.Transforms;

namespace MLStability.Tests.Defaults;

/// <summary>
/// Verdicts that do not depend on scale: healthy runs on raw targets, autoencoders and ReZero nets are Healthy, and
/// only ReLU units can be dead.
/// </summary>
[TestClass]
public sealed class ScaleFreeVerdictsTests
{
    private static LayerStatistics Layer(string name, double gradient, double activationStd = 0, double update = 1e-3) =>
        new(name, gradient, 1, update, 0, 0, activationStd, 0, 0);

    [TestMethod]
    public void MultiplyingEveryGradientByAMillionChangesNoVerdict()
    {
        var events = Array.Empty<InstabilityEvent>();
        foreach (double scale in new[] { 1e-6, 1, 1e6 })
        {
            var layers = new[] { Layer("block0", 0.2 * scale, 1), Layer("block1", 0.3 * scale, 1.5), Layer("head", 0.5 * scale) };
            Assert.AreEqual(GradientHealthVerdict.Healthy, VerdictRules.Judge(layers, events).Verdict, $"gradients x {scale}");
        }
    }

    [TestMethod]
    public void ExplodingIsJudgedOnGrowthAcrossDepthAndOnUpdatesThatOutgrowTheWeights()
    {
        var events = Array.Empty<InstabilityEvent>();
        Assert.AreEqual(GradientHealthVerdict.Exploding, VerdictRules.Judge(new[] { Layer("block0", 1, 1), Layer("block1", 1, 5e3), Layer("head", 1) }, events).Verdict,
            "activations grow 5000-fold on the way forward");
        Assert.AreEqual(GradientHealthVerdict.Exploding, VerdictRules.Judge(new[] { Layer("block0", 1, 1, update: 3), Layer("head", 1) }, events).Verdict,
            "a step moves the weights by three times their norm");
        Assert.AreEqual(GradientHealthVerdict.Exploding, VerdictRules.Judge(new[] { Layer("block0", 5e3), Layer("head", 1) }, events).Verdict);
    }

    [TestMethod]
    public void AHealthyRegressionOnTargetsInTheMillionsIsHealthy()
    {
        var ml = new MLContext(1);
        var data = NonlinearData.Regression(ml, rows: 600, seed: 2, targetScale: 1e6f);
        var options = new StableDeepOptions { Epochs = 20, Seed = 1, Device = SmallOptions.Device, StandardizeTargets = false, DiagnosticsInterval = 5 };
        var model = ml.Regression.Trainers.StableDeep(options).Fit(data);
        Assert.AreEqual(GradientHealthVerdict.Healthy, model.TrainingReport.Verdict, model.TrainingReport.Evidence);
        Assert.IsTrue(model.TrainingReport.Epochs[^1].Layers.Max(l => l.GradientNorm) > 1e3, "raw gradients are huge, and that alone is no fault");
    }

    [TestMethod]
    public void AReZeroNetIsHealthy()
    {
        var ml = new MLContext(1);
        var options = new StableDeepOptions { HiddenLayers = 8, HiddenSize = 64, ReZero = true, Epochs = 5, Seed = 1, Device = SmallOptions.Device, DiagnosticsInterval = 5 };
        var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(TestData.Blobs(ml, rows: 600));
        Assert.AreEqual(GradientHealthVerdict.Healthy, model.TrainingReport.Verdict, model.TrainingReport.Evidence);
    }

    [TestMethod]
    public void AnAutoencoderIsHealthy()
    {
        var ml = new MLContext(1);
        var options = new StableDeepAutoencoderOptions { EmbeddingSize = 16, Epochs = 5, BatchSize = 64, Seed = 3, Device = SmallOptions.Device, DiagnosticsInterval = 5 };
        var autoencoder = ml.Transforms.StableDeepAutoencoder(options).Fit(TestData.MnistTrain(ml, 1000));
        Assert.AreEqual(GradientHealthVerdict.Healthy, autoencoder.TrainingReport.Verdict, autoencoder.TrainingReport.Evidence);
    }

    [TestMethod]
    public void OnlyReLUUnitsCanBeDead()
    {
        using var input = TorchSharp.torch.full(new long[] { 8, 4 }, -1f);
        foreach (var kind in Enum.GetValues<ActivationKind>())
        {
            var probe = new ActivationProbe(kind) { Capture = true };
            probe.Record(input);
            float dead = probe.LastStatistics![3].item<float>();
            Assert.AreEqual(kind == ActivationKind.ReLU ? 1f : 0f, dead, $"{kind}: units that never fire are dead only for ReLU");
        }
    }
}
