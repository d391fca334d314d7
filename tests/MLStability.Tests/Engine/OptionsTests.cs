namespace MLStability.Tests.Engine;

[TestClass]
public sealed class OptionsTests
{
    [TestMethod]
    public void DefaultsAreTheStablePreset()
    {
        var o = new StableDeepOptions();
        Assert.IsTrue(o.ResidualConnections);
        Assert.IsNull(o.Normalization, "the network family's own");
        Assert.AreEqual(NormalizationKind.LayerNorm, o.EffectiveNormalization);
        Assert.AreEqual(FeatureScalingKind.Robust, o.FeatureScaling);
        Assert.IsTrue(o.StandardizeTargets);
        Assert.AreEqual(InitializationKind.HeNormal, o.Initialization);
        Assert.AreEqual(ActivationKind.ReLU, o.Activation);
        Assert.AreEqual(GradientClippingKind.GlobalNorm, o.GradientClipping);
        Assert.AreEqual(1f, o.ClippingThreshold);
        Assert.AreEqual(OptimizerKind.AdamW, o.Optimizer);
        Assert.AreEqual(LearningRateScheduleKind.Cosine, o.LearningRateSchedule);
        Assert.AreEqual(100, o.WarmupSteps);
        Assert.IsNull(o.LearningRate, "the network family's own");
        Assert.AreEqual(1e-3f, o.EffectiveLearningRate);
        Assert.AreEqual(1e-4f, o.WeightDecay);
        Assert.IsNull(o.Epochs, "automatic: 10, or enough for 500 steps");
        Assert.AreEqual(128, o.BatchSize);
        Assert.AreEqual(0.1f, o.Dropout);
        Assert.AreEqual("auto", o.Device);
        Assert.AreEqual("Label", o.LabelColumnName);
        Assert.AreEqual("Features", o.FeatureColumnName);
        Assert.IsNull(o.Seed);
        Assert.AreEqual(InstabilityPolicy.Rollback, o.OnInstability);
        Assert.AreEqual(10f, o.LossSpikeFactor);
        Assert.AreEqual(10, o.MaxRecoveries);
        Assert.AreEqual(0.5f, o.RollbackLearningRateFactor);
        Assert.AreEqual(50, o.RollbackSnapshotSteps);
        Assert.AreEqual(20, o.DiagnosticsInterval);
        Assert.AreEqual(NetworkKind.Mlp, o.Network);
        Assert.IsNull(o.InputShape);
        CollectionAssert.AreEqual(new[] { 16, 32, 64 }, o.ResNetChannels);
        Assert.AreEqual(1, o.ResNetBlocksPerStage);
        Assert.IsFalse(o.ZeroInitLastNormalization);
        Assert.AreEqual(8, o.NormalizationGroups);
        Assert.AreEqual(RecurrentCellKind.LSTM, o.RecurrentCell);
        Assert.AreEqual(1, o.RecurrentLayers);
        Assert.AreEqual(128, o.RecurrentHiddenSize);
        Assert.IsFalse(o.Bidirectional);
        Assert.AreEqual(SequencePoolingKind.Last, o.SequencePooling);
        o.Validate();
    }

    [TestMethod]
    public void ThePresetsForImagesAndSequencesDescribeTheShapeAndValidate()
    {
        var images = StableDeepOptions.ForImages(3, 32, 32);
        Assert.AreEqual(NetworkKind.ResNet, images.Network);
        CollectionAssert.AreEqual(new[] { 3, 32, 32 }, images.InputShape);
        Assert.AreEqual(NormalizationKind.BatchNorm, images.EffectiveNormalization);
        Assert.AreEqual(0.01f, images.EffectiveLearningRate);
        images.Validate();
        var sequences = StableDeepOptions.ForSequences(100, 2, RecurrentCellKind.GRU);
        Assert.AreEqual(NetworkKind.Recurrent, sequences.Network);
        CollectionAssert.AreEqual(new[] { 100, 2 }, sequences.InputShape);
        Assert.AreEqual(RecurrentCellKind.GRU, sequences.RecurrentCell);
        sequences.Validate();
    }

    public static IEnumerable<object[]> InvalidOptions()
    {
        yield return Case(o => o.HiddenLayers = -1, "HiddenLayers", "[0, 10000]");
        yield return Case(o => o.HiddenSize = 0, "HiddenSize", "[1, 65536]");
        yield return Case(o => o.Epochs = 0, "Epochs", "[1, 100000]");
        yield return Case(o => o.BatchSize = 0, "BatchSize", "[1, 1048576]");
        yield return Case(o => o.LearningRate = 0, "LearningRate", "(0, 10]");
        yield return Case(o => o.LearningRate = float.NaN, "LearningRate", "(0, 10]");
        yield return Case(o => o.ClippingThreshold = 0, "ClippingThreshold", "(0, +inf)");
        yield return Case(o => o.ClippingThreshold = -1, "ClippingThreshold", "(0, +inf)");
        yield return Case(o => o.Dropout = 1, "Dropout", "[0, 1)");
        yield return Case(o => o.WeightDecay = -0.1f, "WeightDecay", "[0, 1)");
        yield return Case(o => o.Momentum = 1, "Momentum", "[0, 1)");
        yield return Case(o => o.WarmupSteps = -5, "WarmupSteps", "[0, +inf)");
        yield return Case(o => o.LearningRateDecay = 0, "LearningRateDecay", "(0, 1]");
        yield return Case(o => o.LearningRateDecaySteps = -1, "LearningRateDecaySteps", "[0, +inf)");
        yield return Case(o => o.MinimumLearningRate = 1, "MinimumLearningRate", "LearningRate");
        yield return Case(o => o.ValidationFraction = 1, "ValidationFraction", "[0, 1)");
        yield return Case(o => o.EarlyStoppingPatience = -1, "EarlyStoppingPatience", "[0, +inf)");
        yield return Case(o => o.EarlyStoppingPatience = 2, "EarlyStoppingPatience", "ValidationFraction");
        yield return Case(o => o.LeakyReLUSlope = 1, "LeakyReLUSlope", "[0, 1)");
        yield return Case(o => o.Activation = (ActivationKind)99, "Activation", "Sigmoid, Tanh, ReLU");
        yield return Case(o => o.Optimizer = (OptimizerKind)99, "Optimizer", "Sgd, Momentum, Adam");
        yield return Case(o => o.Device = "gpu", "Device", "\"cuda:N\"");
        yield return Case(o => o.FeatureColumnName = "", "FeatureColumnName", "must name a column");
        yield return Case(o => o.LossSpikeFactor = 0.5f, "LossSpikeFactor", "0 or (1, +inf)");
        yield return Case(o => o.MaxRecoveries = -1, "MaxRecoveries", "[0, 1000]");
        yield return Case(o => o.RollbackLearningRateFactor = 0, "RollbackLearningRateFactor", "(0, 1]");
        yield return Case(o => o.RollbackSnapshotSteps = 0, "RollbackSnapshotSteps", "[1, +inf)");
        yield return Case(o => o.DiagnosticsInterval = -1, "DiagnosticsInterval", "[0, +inf)");
        yield return Case(o => o.OnInstability = (InstabilityPolicy)7, "OnInstability", "Stop, SkipStep, Rollback");
        yield return Case(o => o.HiddenLayerSizes = new[] { 8, 0 }, "HiddenLayerSizes[1]", "[1, 65536]");
        yield return Case(o => { o.ReZero = true; o.ResidualConnections = false; }, "ReZero", "ResidualConnections = true");
        yield return Case(o => o.CheckpointInterval = 0, "CheckpointInterval", "[1, +inf)");
        yield return Case(o => o.Network = (NetworkKind)5, "Network", "Mlp, ResNet, Recurrent");
        yield return Case(o => o.RegressionLoss = (RegressionLossKind)5, "RegressionLoss", "SquaredError, Huber");
        yield return Case(o => o.HuberDelta = 0, "HuberDelta", "(0, +inf)");
        yield return Case(o => o.PositiveClassWeight = 0, "PositiveClassWeight", "(0, 1000000]");
        yield return Case(o => o.InputShape = new[] { 1, 0, 28 }, "InputShape[1]", "[1, +inf)");
        yield return Case(o => { o.Network = NetworkKind.ResNet; o.InputShape = new[] { 28, 28 }; }, "InputShape", "[C, H, W]");
        yield return Case(o => { o.Network = NetworkKind.Recurrent; o.InputShape = new[] { 1, 28, 28 }; }, "InputShape", "[T, F]");
        yield return Case(o => o.ResNetChannels = Array.Empty<int>(), "ResNetChannels.Length", "[1, 8]");
        yield return Case(o => o.ResNetChannels = new[] { 16, 0 }, "ResNetChannels[1]", "[1, 4096]");
        yield return Case(o => o.ResNetBlocksPerStage = 0, "ResNetBlocksPerStage", "[1, 1000]");
        yield return Case(o => o.NormalizationGroups = 0, "NormalizationGroups", "[1, 4096]");
        yield return Case(o => o.RecurrentCell = (RecurrentCellKind)9, "RecurrentCell", "Vanilla, LSTM, GRU");
        yield return Case(o => o.RecurrentLayers = 0, "RecurrentLayers", "[1, 100]");
        yield return Case(o => o.RecurrentHiddenSize = 0, "RecurrentHiddenSize", "[1, 65536]");
        yield return Case(o => o.SequencePooling = (SequencePoolingKind)9, "SequencePooling", "Last, Mean");
        yield return Case(o => { o.ZeroInitLastNormalization = true; o.ResidualConnections = false; }, "ZeroInitLastNormalization", "ResidualConnections = true");
        yield return Case(o => { o.ZeroInitLastNormalization = true; o.Normalization = NormalizationKind.None; }, "ZeroInitLastNormalization", "other than None");
    }

    private static object[] Case(Action<StableDeepOptions> change, string option, string range) => new object[] { change, option, range };

    [TestMethod]
    [DynamicData(nameof(InvalidOptions))]
    public void InvalidValuesNameTheOptionAndItsRange(Action<StableDeepOptions> change, string option, string range)
    {
        var options = new StableDeepOptions();
        change(options);
        var error = Assert.Throws<ArgumentException>(options.Validate);
        StringAssert.Contains(error.Message, option);
        StringAssert.Contains(error.Message, range);
    }
}
