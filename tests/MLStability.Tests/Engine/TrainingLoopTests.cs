using MLStability.Networks;
using TorchSharp;

namespace MLStability.Tests.Engine;

[TestClass]
public sealed class TrainingLoopTests
{
    /// <summary>Two noisy Gaussian classes in 6 dimensions.</summary>
    private static ClassificationData Data(int rows = 400, int seed = 3, bool randomLabels = false, float scale = 1)
    {
        var random = new Random(seed);
        var features = new float[rows * 6];
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            labels[i] = randomLabels ? random.Next(2) : i % 2;
            for (int j = 0; j < 6; j++)
                features[i * 6 + j] = scale * (float)(random.NextDouble() * 2 - 1 + (randomLabels ? 0 : labels[i] * 0.8));
        }
        return new ClassificationData(features, labels, 6, 2);
    }

    private static DeepNetworkOptions Small() => new()
    {
        HiddenLayers = 3, HiddenSize = 16, Epochs = 4, BatchSize = 32, WarmupSteps = 5, Device = SmallOptions.Device,
    };

    [TestMethod]
    public void TorchSharpLoadsAndTrainsInTheTestHost()
    {
        using var model = new NetworkTrainer(Small(), seed: 1).Train(Data());
        Assert.IsTrue(model.History[^1].TrainingLoss < model.History[0].TrainingLoss * 0.8,
            $"loss {model.History[0].TrainingLoss:F3} -> {model.History[^1].TrainingLoss:F3}");
    }

    [TestMethod]
    public void NoTensorsLeakAcrossEpochs()
    {
        var counter = new LiveTensorCounter();
        var options = Small();
        options.Epochs = 6;
        options.ValidationFraction = 0.2f;
        using var model = new NetworkTrainer(options, seed: 1, observers: new[] { counter }).Train(Data());
        Assert.AreEqual(6, counter.Counts.Count);
        Assert.IsTrue(counter.Counts.Skip(1).All(c => c == counter.Counts[1]),
            "live tensors per epoch: " + string.Join(", ", counter.Counts));
    }

    [TestMethod]
    public void TheSameSeedGivesBitIdenticalWeights()
    {
        var options = Small();
        options.Dropout = 0.3f;
        using var first = new NetworkTrainer(options, seed: 5).Train(Data());
        using var second = new NetworkTrainer(options, seed: 5).Train(Data());
        using var other = new NetworkTrainer(options, seed: 6).Train(Data());
        Assert.IsTrue(Weights(first).SequenceEqual(Weights(second)));
        Assert.IsFalse(Weights(first).SequenceEqual(Weights(other)));
    }

    [TestMethod]
    public void EarlyStoppingStopsAndKeepsTheBestEpoch()
    {
        var options = Small();
        options.Epochs = 40;
        options.HiddenSize = 64;
        options.Dropout = 0;
        options.ValidationFraction = 0.3f;
        options.EarlyStoppingPatience = 2;
        options.LearningRateSchedule = LearningRateScheduleKind.Constant;
        options.LearningRate = 0.01f;
        using var model = new NetworkTrainer(options, seed: 1).Train(Data(rows: 200, randomLabels: true));
        Assert.IsTrue(model.History.Count < 40, $"ran {model.History.Count} epochs");
        var best = model.History.MinBy(h => h.ValidationLoss)!;
        Assert.AreEqual(model.History.Count - 2, best.Epoch, "stops 'patience' epochs after the best one");
    }

    [TestMethod]
    public void ProgressReportsEveryEpochWithValidationMetrics()
    {
        var reports = new List<EpochProgress>();
        var options = Small();
        options.ValidationFraction = 0.25f;
        options.Progress = new SynchronousProgress<EpochProgress>(reports.Add);
        var log = new List<string>();
        using var model = new NetworkTrainer(options, seed: 1, log.Add).Train(Data());
        Assert.AreEqual(4, reports.Count);
        Assert.IsTrue(reports.All(r => r.ValidationAccuracy is > 0.5 and <= 1 && r.Seconds >= 0 && r.LearningRate > 0 || r.Epoch == 4));
        Assert.AreEqual(10L * 4, reports[^1].Steps, "300 training rows in batches of 32: 10 steps per epoch");
        Assert.AreEqual(4 + 4, log.Count, "a start line, the kernel self-check, one line per epoch, the weights returned, the report's summary");
        StringAssert.StartsWith(log[^2], "Returning the weights of epoch ");
        StringAssert.StartsWith(log[1], "Kernel self-check on ");
    }

    [TestMethod]
    public void ADivergingRunThrowsInsteadOfReturningANaNModel()
    {
        var options = Small();
        options.Initialization = InitializationKind.Default;
        options.Normalization = NormalizationKind.None;
        options.ResidualConnections = false;
        options.GradientClipping = GradientClippingKind.None;
        options.Activation = ActivationKind.ReLU;
        options.Optimizer = OptimizerKind.Sgd;
        options.LearningRate = 1;
        options.WarmupSteps = 0;
        options.HiddenLayers = 6;
        options.OnInstability = InstabilityPolicy.Stop;
        options.FeatureScaling = FeatureScalingKind.None; // features x 1000 reach the network: feature scaling would undo them
        var error = Assert.Throws<TrainingDivergedException>(() => new NetworkTrainer(options, seed: 1).Train(Data(scale: 1000)));
        StringAssert.Contains(error.Message, "GradientClipping");
    }

    private static float[] Weights(TrainedClassifier model) =>
        model.Network.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

    private sealed class LiveTensorCounter : ITrainingObserver
    {
        public List<long> Counts { get; } = new();

        public void OnEpochEnd(DeepNetwork network, EpochProgress progress)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Counts.Add(DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount);
        }
    }
}

/// <summary>An IProgress that reports on the calling thread, in order.</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
