namespace MLStability.Tests.Trainers;

/// <summary>
/// A blanket guard against options that do nothing: changing any single option from a base configuration must
/// change the trained model's scores. Each option's specific meaning is tested in the engine tests.
/// </summary>
[TestClass]
public sealed class EveryOptionChangesTrainingTests
{
    private static StableDeepOptions Base() => new()
    {
        HiddenLayers = 2, HiddenSize = 16, Epochs = 3, BatchSize = 16, Seed = 3, Device = SmallOptions.Device, WarmupSteps = 10,
        Activation = ActivationKind.LeakyReLU, Optimizer = OptimizerKind.AdamW, ClippingThreshold = 0.05f,
        LearningRateSchedule = LearningRateScheduleKind.Step, LearningRateDecaySteps = 20,
    };

    public static IEnumerable<object[]> Changes()
    {
        yield return Change("HiddenLayers", o => o.HiddenLayers = 3);
        yield return Change("HiddenSize", o => o.HiddenSize = 24);
        yield return Change("HiddenLayerSizes", o => o.HiddenLayerSizes = new[] { 16, 8 });
        yield return Change("Activation", o => o.Activation = ActivationKind.Tanh);
        yield return Change("LeakyReLUSlope", o => o.LeakyReLUSlope = 0.3f);
        yield return Change("ResidualConnections", o => o.ResidualConnections = false);
        yield return Change("PreNormalization", o => o.PreNormalization = true);
        yield return Change("ReZero", o => o.ReZero = true);
        yield return Change("Normalization", o => o.Normalization = NormalizationKind.BatchNorm);
        yield return Change("Normalization = RmsNorm", o => o.Normalization = NormalizationKind.RmsNorm);
        yield return Change("Initialization", o => o.Initialization = InitializationKind.Orthogonal);
        yield return Change("Initialization = LeCunNormal", o => o.Initialization = InitializationKind.LeCunNormal);
        yield return Change("Initialization = Lsuv", o => o.Initialization = InitializationKind.Lsuv, o => o.Initialization = InitializationKind.Orthogonal);
        yield return Change("Dropout", o => o.Dropout = 0.4f);
        yield return Change("GradientClipping", o => o.GradientClipping = GradientClippingKind.Value);
        yield return Change("GradientClipping = Adaptive", o => { o.GradientClipping = GradientClippingKind.Adaptive; o.ClippingThreshold = 0.01f; });
        yield return Change("ClippingThreshold", o => o.ClippingThreshold = 0.5f);
        yield return Change("Optimizer", o => o.Optimizer = OptimizerKind.RmsProp);
        yield return Change("LearningRate", o => o.LearningRate = 3e-3f);
        yield return Change("WeightDecay", o => o.WeightDecay = 0.1f);
        yield return Change("Momentum", o => { o.Optimizer = OptimizerKind.Momentum; o.Momentum = 0.5f; }, o => o.Optimizer = OptimizerKind.Momentum);
        yield return Change("Nesterov", o => { o.Optimizer = OptimizerKind.Momentum; o.Nesterov = true; }, o => o.Optimizer = OptimizerKind.Momentum);
        yield return Change("LearningRateSchedule", o => o.LearningRateSchedule = LearningRateScheduleKind.Cosine);
        yield return Change("LearningRateSchedule = OneCycle", o => o.LearningRateSchedule = LearningRateScheduleKind.OneCycle);
        yield return Change("LearningRateSchedule = ReduceOnPlateau", o => { NoisyLongRun(o); o.LearningRateSchedule = LearningRateScheduleKind.ReduceOnPlateau; o.PlateauPatience = 0; },
            o => { NoisyLongRun(o); o.PlateauPatience = 0; });
        yield return Change("PlateauPatience", o => { NoisyLongRun(o); o.LearningRateSchedule = LearningRateScheduleKind.ReduceOnPlateau; o.PlateauPatience = 0; },
            o => { NoisyLongRun(o); o.LearningRateSchedule = LearningRateScheduleKind.ReduceOnPlateau; });
        yield return Change("WarmupSteps", o => o.WarmupSteps = 0);
        yield return Change("LearningRateDecay", o => o.LearningRateDecay = 0.5f);
        yield return Change("LearningRateDecaySteps", o => o.LearningRateDecaySteps = 5);
        yield return Change("MinimumLearningRate", o => { o.LearningRateSchedule = LearningRateScheduleKind.Linear; o.MinimumLearningRate = 5e-4f; },
            o => o.LearningRateSchedule = LearningRateScheduleKind.Linear);
        yield return Change("Epochs", o => o.Epochs = 4);
        yield return Change("BatchSize", o => o.BatchSize = 32);
        yield return Change("ValidationFraction", o => o.ValidationFraction = 0.2f);
        yield return Change("EarlyStoppingPatience", o => { NoisyLongRun(o); o.EarlyStoppingPatience = 1; }, NoisyLongRun);
        yield return Change("Seed", o => o.Seed = 4);
        yield return Change("FeatureScaling", o => o.FeatureScaling = FeatureScalingKind.None);
        yield return Change("Precision", o => o.Precision = PrecisionKind.BFloat16);
        yield return Change("DataLoading", o => o.DataLoading = DataLoadingKind.Streaming); // another shuffle order: the seed and epoch's, not a permutation drawn in memory
        yield return Change("NormalizationGroups", o => o.NormalizationGroups = 4, o => o.Normalization = NormalizationKind.GroupNorm);
        // The 8 blob features as 2 x 2 x 2 images, or as 4 steps of 2 features.
        yield return Change("Network", Image);
        yield return Change("ResNetChannels", o => o.ResNetChannels = new[] { 4, 12 }, Image);
        yield return Change("ResNetBlocksPerStage", o => o.ResNetBlocksPerStage = 2, Image);
        yield return Change("ZeroInitLastNormalization", o => o.ZeroInitLastNormalization = true, Image);
        yield return Change("InputShape", o => o.InputShape = new[] { 2, 4 }, Sequence);
        yield return Change("RecurrentCell", o => o.RecurrentCell = RecurrentCellKind.GRU, Sequence);
        yield return Change("RecurrentLayers", o => o.RecurrentLayers = 2, Sequence);
        yield return Change("RecurrentHiddenSize", o => o.RecurrentHiddenSize = 12, Sequence);
        yield return Change("Bidirectional", o => o.Bidirectional = true, Sequence);
        yield return Change("SequencePooling", o => o.SequencePooling = SequencePoolingKind.Mean, Sequence);
        // The 8 blob features as 8 tokens (FT-Transformer), or as 4 steps of 2 features.
        yield return Change("Network = Transformer", Transformer);
        yield return Change("InputShape (Transformer)", o => o.InputShape = new[] { 4, 2 }, Transformer);
        yield return Change("TransformerLayers", o => o.TransformerLayers = 2, Transformer);
        yield return Change("AttentionHeads", o => o.AttentionHeads = 4, Transformer);
        yield return Change("ModelWidth", o => o.ModelWidth = 12, Transformer);
        yield return Change("FeedForwardWidth", o => o.FeedForwardWidth = 24, Transformer);
        yield return Change("AttentionDropout", o => o.AttentionDropout = 0.3f, Transformer);
        yield return Change("NormalizationPlacement = PostNorm", o => o.NormalizationPlacement = NormalizationPlacement.PostNorm, Transformer);
        yield return Change("NormalizationPlacement = DeepNorm", o => o.NormalizationPlacement = NormalizationPlacement.DeepNorm,
            o => { Transformer(o); o.NormalizationPlacement = NormalizationPlacement.PostNorm; });
        yield return Change("ReZero (Transformer)", o => o.ReZero = true, Transformer);
        yield return Change("Normalization (Transformer)", o => o.Normalization = NormalizationKind.RmsNorm, Transformer);
    }

    private static void Transformer(StableDeepOptions o)
    {
        o.Network = NetworkKind.Transformer;
        o.ModelWidth = 8;
        o.AttentionHeads = 2;
    }

    private static void Image(StableDeepOptions o)
    {
        o.Network = NetworkKind.ResNet;
        o.InputShape = new[] { 2, 2, 2 };
        o.ResNetChannels = new[] { 4, 8 };
    }

    private static void Sequence(StableDeepOptions o)
    {
        o.Network = NetworkKind.Recurrent;
        o.InputShape = new[] { 4, 2 };
        o.RecurrentHiddenSize = 8;
    }

    /// <summary>A long run at a high constant rate, whose validation loss soon stops improving every epoch.</summary>
    private static void NoisyLongRun(StableDeepOptions o)
    {
        o.ValidationFraction = 0.2f;
        o.Epochs = 30;
        o.LearningRateSchedule = LearningRateScheduleKind.Constant;
        o.LearningRate = 0.05f;
    }

    private static object[] Change(string name, Action<StableDeepOptions> change, Action<StableDeepOptions>? baseline = null) =>
        new object[] { name, change, baseline ?? (_ => { }) };

    [TestMethod]
    [DynamicData(nameof(Changes))]
    public void ChangingTheOptionChangesTheScores(string option, Action<StableDeepOptions> change, Action<StableDeepOptions> baseline)
    {
        var before = Base();
        baseline(before);
        var after = Base();
        baseline(after);
        change(after);
        CollectionAssert.AreNotEqual(Scores(before), Scores(after), $"changing {option} did not change the model");
    }

    [TestMethod]
    public void TheSameOptionsGiveTheSameScores()
    {
        CollectionAssert.AreEqual(Scores(Base()), Scores(Base()));
    }

    private static float[] Scores(StableDeepOptions options)
    {
        var ml = new Microsoft.ML.MLContext(1);
        var data = TestData.Blobs(ml, rows: 240);
        var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(data);
        return TestData.Scores(model.Transform(data)).SelectMany(s => s).ToArray();
    }
}
