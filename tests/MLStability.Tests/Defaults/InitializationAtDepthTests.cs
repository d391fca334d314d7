using MLStability.Networks;
using TorchSharp;
using TorchSharp.Modules;

namespace MLStability.Tests.Defaults;

/// <summary>Initialization details that hold at depth, per activation, and the defaults of the optimizers.</summary>
[TestClass]
public sealed class InitializationAtDepthTests
{
    private static double LogitStd(int depth)
    {
        torch.random.manual_seed(1);
        using var network = new MlpNetwork(32, 10, new DeepNetworkOptions { HiddenLayers = depth, HiddenSize = 64, Dropout = 0 });
        network.eval();
        using var scope = torch.NewDisposeScope();
        return network.forward(torch.randn(256, 32)).std().item<float>();
    }

    [TestMethod]
    public void TheLogitsStartAtTheSameScaleWhateverTheDepth()
    {
        double shallow = LogitStd(2), deep = LogitStd(64);
        Console.WriteLine($"logit std at initialization: 2 layers {shallow:G3}, 64 layers {deep:G3}");
        Assert.IsTrue(deep / shallow is > 0.5 and < 2, $"2 layers {shallow:G3}, 64 layers {deep:G3}: the residual stream is normalized before the head");
    }

    /// <summary>He-style gains from E[f(z)^2] for z ~ N(0, 1), checked by pushing unit-variance data through the layer.</summary>
    [TestMethod]
    [DataRow(ActivationKind.ReLU)]
    [DataRow(ActivationKind.GELU)]
    [DataRow(ActivationKind.ELU)]
    [DataRow(ActivationKind.SELU)]
    [DataRow(ActivationKind.LeakyReLU)]
    public void TheGainKeepsTheSecondMomentOfPreActivations(ActivationKind kind)
    {
        torch.random.manual_seed(2);
        using var scope = torch.NewDisposeScope();
        using var activation = Activations.Create(kind, 0.01f);
        var z = torch.randn(4096, 512);
        var weight = torch.empty(512, 512);
        WeightInitializer.Initialize(weight, InitializationKind.HeNormal, Activations.Gain(kind, 0.01f));
        double secondMoment = activation.forward(z).matmul(weight.t()).square().mean().item<float>();
        Assert.AreEqual(1.0, secondMoment, 0.05, $"{kind}: the next pre-activation's second moment");
    }

    [TestMethod]
    public void SeluUsesAlphaDropoutSoThatSelfNormalizationSurvives()
    {
        using var selu = new MlpNetwork(8, 2, new DeepNetworkOptions { HiddenLayers = 2, Activation = ActivationKind.SELU, Dropout = 0.1f });
        using var relu = new MlpNetwork(8, 2, new DeepNetworkOptions { HiddenLayers = 2, Activation = ActivationKind.ReLU, Dropout = 0.1f });
        Assert.AreEqual(2, selu.modules().OfType<AlphaDropout>().Count());
        Assert.AreEqual(0, selu.modules().OfType<Dropout>().Count());
        Assert.AreEqual(2, relu.modules().OfType<Dropout>().Count());
        Assert.AreEqual(1.0, Activations.Gain(ActivationKind.SELU, 0), "LeCun normal: N(0, 1 / fan_in)");
    }

    [TestMethod]
    public void RmsPropDefaultsToPyTorchsZeroMomentum()
    {
        Assert.AreEqual(0f, new DeepNetworkOptions { Optimizer = OptimizerKind.RmsProp }.EffectiveMomentum);
        Assert.AreEqual(0.9f, new DeepNetworkOptions { Optimizer = OptimizerKind.Momentum }.EffectiveMomentum);
        Assert.AreEqual(0.5f, new DeepNetworkOptions { Optimizer = OptimizerKind.RmsProp, Momentum = 0.5f }.EffectiveMomentum);
    }

    [TestMethod]
    public void TheReportSaysWhichEpochsWeightsTheModelHolds()
    {
        // Random labels: the network can only memorize, so its validation loss is best early and worse later.
        var ml = new MLContext(1);
        var random = new Random(5);
        var rows = Enumerable.Range(0, 200).Select(_ => new TestData.BlobRow
        {
            Label = "class" + random.Next(3),
            Features = Enumerable.Range(0, 8).Select(_ => (float)random.NextDouble()).ToArray(),
        }).ToList();
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var options = new StableDeepOptions
        {
            HiddenLayers = 2, HiddenSize = 128, Epochs = 40, BatchSize = 16, Seed = 3, Device = SmallOptions.Device, ValidationFraction = 0.25f,
            Dropout = 0, LearningRateSchedule = LearningRateScheduleKind.Constant, LearningRate = 0.01f,
        };
        var report = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(data).TrainingReport;
        var best = report.Epochs.MinBy(e => e.Progress.ValidationLoss!.Value)!;
        Assert.AreEqual(best.Progress.Epoch, report.WeightsEpoch);
        Assert.IsTrue(report.WeightsEpoch < 40, $"this run's best epoch ({report.WeightsEpoch}) is not its last");
        Assert.AreEqual(best.Verdict, report.Verdict);
        StringAssert.Contains(report.ToMarkdown(), $"weights of epoch {report.WeightsEpoch}");
    }
}
