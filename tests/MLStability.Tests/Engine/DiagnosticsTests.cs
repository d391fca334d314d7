using MLStability.Networks;
using TorchSharp;

namespace MLStability.Tests.Engine;

/// <summary>Gradient-health statistics, verdicts and remedies on small deliberately broken and healthy nets.</summary>
[TestClass]
public sealed class DiagnosticsTests
{
    public TestContext TestContext { get; set; } = null!;

    internal static ClassificationData Data(int rows = 320)
    {
        var random = new Random(4);
        var features = new float[rows * 6];
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            labels[i] = i % 2;
            for (int j = 0; j < 6; j++)
                features[i * 6 + j] = (float)(random.NextDouble() * 2 - 1 + labels[i] * 0.8);
        }
        return new ClassificationData(features, labels, 6, 2);
    }

    internal static DeepNetworkOptions PlainSigmoid(int depth) => new()
    {
        HiddenLayers = depth, HiddenSize = 64, Activation = ActivationKind.Sigmoid, Initialization = InitializationKind.Default,
        ResidualConnections = false, Normalization = NormalizationKind.None, GradientClipping = GradientClippingKind.None,
        Dropout = 0, Epochs = 2, BatchSize = 32, WarmupSteps = 0, Device = SmallOptions.Device, DiagnosticsInterval = 2,
    };

    /// <summary>ReLU with N(0, 1) weights and SGD at 0.1: the seeds' exploding recipe.</summary>
    internal static DeepNetworkOptions Exploding(double learningRate = 0.1) => new()
    {
        HiddenLayers = 8, HiddenSize = 64, Activation = ActivationKind.ReLU, Initialization = InitializationKind.StandardNormal,
        ResidualConnections = false, Normalization = NormalizationKind.None, GradientClipping = GradientClippingKind.None,
        Optimizer = OptimizerKind.Sgd, LearningRate = (float)learningRate, LearningRateSchedule = LearningRateScheduleKind.Constant,
        WeightDecay = 0, Dropout = 0, Epochs = 2, BatchSize = 32, WarmupSteps = 0, Device = SmallOptions.Device, DiagnosticsInterval = 2,
    };

    private static TrainingReport Train(DeepNetworkOptions options)
    {
        using var model = new NetworkTrainer(options, seed: 1).Train(Data());
        return model.Report;
    }

    [TestMethod]
    public void ADeepPlainSigmoidNetIsVanishing()
    {
        var report = Train(PlainSigmoid(20));
        Assert.AreEqual(GradientHealthVerdict.Vanishing, report.Verdict, report.Evidence);
        Assert.IsTrue(report.FirstToLastGradientRatio < 1e-6, $"ratio {report.FirstToLastGradientRatio:E2}");
        CollectionAssert.Contains(report.Remedies.ToList(), "set ResidualConnections = true");
        CollectionAssert.Contains(report.Remedies.ToList(), "set Normalization = NormalizationKind.LayerNorm");
        Assert.AreEqual(21, report.Epochs[^1].Layers.Count, "20 hidden layers and the head");
    }

    [TestMethod]
    public void TheStablePresetAtTheSameDepthIsHealthy()
    {
        var options = new DeepNetworkOptions { HiddenLayers = 20, HiddenSize = 64, Epochs = 2, BatchSize = 32, Device = SmallOptions.Device, WarmupSteps = 5 };
        var report = Train(options);
        Assert.AreEqual(GradientHealthVerdict.Healthy, report.Verdict, report.Evidence);
        Assert.IsTrue(report.FirstToLastGradientRatio is > 1e-2 and < 1e2, $"ratio {report.FirstToLastGradientRatio:E2}");
        Assert.AreEqual(0, report.Remedies.Count);
    }

    [TestMethod]
    public void HugeGradientsAreExploding()
    {
        var report = Train(Exploding(learningRate: 1e-12));
        Assert.AreEqual(GradientHealthVerdict.Exploding, report.Verdict, report.Evidence);
        Assert.IsTrue(report.Epochs[^1].Layers.Max(l => l.GradientNorm) > 1e3);
        CollectionAssert.Contains(report.Remedies.ToList(), "set GradientClipping = GradientClippingKind.GlobalNorm, ClippingThreshold = 1");
    }

    [TestMethod]
    public void StopThrowsWithAReportThatSaysNonFinite()
    {
        var options = Exploding();
        options.OnInstability = InstabilityPolicy.Stop;
        var error = Assert.Throws<TrainingDivergedException>(() => Train(options));
        Assert.IsNotNull(error.Report);
        Assert.AreEqual(GradientHealthVerdict.NonFinite, error.Report.Verdict);
        Assert.IsFalse(error.Report.Completed);
        Assert.AreEqual(InstabilityPolicy.Stop, error.Report.Events.Single().Action);
        Assert.IsTrue(error.Step <= 3, $"diverged at step {error.Step}");
        StringAssert.Contains(error.Message, "Remedies: set GradientClipping");
    }

    [TestMethod]
    public void AFailedFitFreesAsManyTensorsAsASuccessfulOne()
    {
        // TorchSharp does not count down parameters freed with their module (see NativeMemoryTests), so compare the
        // failure path with the success path of the same network: the failure may not leave more tensors behind
        // (data tensors, momentum buffers, snapshots, step temporaries).
        static long Growth(Action fit)
        {
            fit(); // warm-up: lazily created runtime tensors
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long before = torch.Tensor.TotalCount;
            fit();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return torch.Tensor.TotalCount - before;
        }
        var failing = Exploding();
        failing.Optimizer = OptimizerKind.Momentum; // velocity state that must be freed too
        failing.OnInstability = InstabilityPolicy.Stop;
        var succeeding = Exploding(learningRate: 1e-12);
        succeeding.Optimizer = OptimizerKind.Momentum;
        succeeding.Epochs = 1;

        long success = Growth(() => { using var model = new NetworkTrainer(succeeding, seed: 1).Train(Data()); });
        long failure = Growth(() => Assert.Throws<TrainingDivergedException>(() => new NetworkTrainer(failing, seed: 1).Train(Data())));
        Assert.IsTrue(failure <= success, $"a failed fit left {failure} tensors, a successful one {success}");
    }

    [TestMethod]
    public void RollbackTurnsADivergingRunIntoAFiniteModel()
    {
        var options = Exploding();
        options.OnInstability = InstabilityPolicy.Rollback;
        using var model = new NetworkTrainer(options, seed: 1).Train(Data());
        var report = model.Report;
        Assert.IsTrue(report.Completed);
        Assert.IsTrue(report.Events.Count >= 1 && report.Events.All(e => e.Action == InstabilityPolicy.Rollback));
        StringAssert.Contains(report.Events[0].Detail, "restored the weights of step 0");
        Assert.IsTrue(model.Network.parameters().All(p => p.isfinite().all().item<bool>()));
        Assert.AreEqual(GradientHealthVerdict.NonFinite, report.Epochs[0].Verdict, "the epoch that saw NaN says so");
    }

    [TestMethod]
    public void EachRollbackScalesTheLearningRateByTheFactor()
    {
        var options = Exploding();
        options.RollbackLearningRateFactor = 0.25f;
        using var model = new NetworkTrainer(options, seed: 1).Train(Data());
        int rollbacks = model.Report.Events.Count(e => e.Action == InstabilityPolicy.Rollback);
        Assert.IsTrue(rollbacks >= 1);
        Assert.AreEqual(0.1 * Math.Pow(0.25, rollbacks), model.History[^1].LearningRate, 1e-9);
    }

    [TestMethod]
    public void SkipStepGivesUpAfterMaxRecoveries()
    {
        var options = Exploding();
        options.OnInstability = InstabilityPolicy.SkipStep;
        options.MaxRecoveries = 3;
        var error = Assert.Throws<TrainingDivergedException>(() => Train(options));
        var events = error.Report!.Events;
        Assert.AreEqual(3, events.Count(e => e.Action == InstabilityPolicy.SkipStep));
        Assert.AreEqual(InstabilityPolicy.Stop, events[^1].Action);
        StringAssert.Contains(error.Message, "3 recoveries");
    }

    [TestMethod]
    public void DiagnosticsDoNotChangeTrainingAndTheIntervalSetsTheSampling()
    {
        var options = PlainSigmoid(3);
        options.DiagnosticsInterval = 0;
        using var off = new NetworkTrainer(options, seed: 2).Train(Data());
        options.DiagnosticsInterval = 1;
        using var every = new NetworkTrainer(options, seed: 2).Train(Data());
        options.DiagnosticsInterval = 5;
        using var sparse = new NetworkTrainer(options, seed: 2).Train(Data());
        Assert.IsTrue(Weights(off).SequenceEqual(Weights(every)), "monitoring must not change the model");
        Assert.AreEqual(0, off.Report.Epochs[0].Layers.Count);
        Assert.AreEqual(10, every.Report.Epochs[0].SampledSteps, "320 rows / 32 = 10 steps, all sampled");
        Assert.AreEqual(3, sparse.Report.Epochs[0].SampledSteps, "steps 1, 5 and 10");
    }

    [TestMethod]
    public void LayerStatisticsAreMeasured()
    {
        var options = PlainSigmoid(3);
        options.Initialization = InitializationKind.StandardNormal;
        var sigmoid = Train(options).Epochs[^1].Layers;
        Assert.IsTrue(sigmoid.Skip(1).Take(2).All(l => l.SaturatedFraction > 0.3) && sigmoid[0].SaturatedFraction > 0, string.Join(", ", sigmoid.Select(l => l.SaturatedFraction)));
        Assert.IsTrue(sigmoid.All(l => l.WeightNorm > 0 && l.UpdateRatio > 0 && l.GradientNorm > 0));

        options.Activation = ActivationKind.ReLU;
        options.Initialization = InitializationKind.HeNormal;
        var relu = Train(options).Epochs[^1].Layers;
        Assert.IsTrue(relu.All(l => l.SaturatedFraction == 0));
        Assert.IsTrue(relu.Take(3).All(l => l.ActivationMean > 0 && l.ActivationStd > 0));
    }

    [TestMethod]
    public void TheReportRendersAndPlots()
    {
        var report = Train(PlainSigmoid(6));
        StringAssert.Contains(report.ToMarkdown(), "| epoch | loss |");
        StringAssert.Contains(report.ToString(), "Verdict: Vanishing");
        var json = System.Text.Json.JsonDocument.Parse(report.ToJson());
        Assert.AreEqual("Vanishing", json.RootElement.GetProperty("Verdict").GetString());

        string directory = Path.Combine(Path.GetTempPath(), "mlstability-tests", "plots-" + Guid.NewGuid().ToString("N"));
        var files = report.SavePlots(directory);
        CollectionAssert.AreEquivalent(new[] { "gradient_flow.png", "gradient_heatmap.png", "loss_accuracy.png", "learning_rate.png" },
            files.Select(Path.GetFileName).ToArray());
        foreach (string file in files)
        {
            byte[] bytes = File.ReadAllBytes(file);
            Assert.IsTrue(bytes.Length > 5_000, $"{file}: {bytes.Length} bytes");
            CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        }
    }

    private static float[] Weights(TrainedClassifier model) =>
        model.Network.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
}
