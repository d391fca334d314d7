namespace MLStability.Tests.Defaults;

/// <summary>
/// Schedules that fit the run: a short run reaches its peak learning rate, a small data set gets enough steps, and a
/// long healthy run with small batches never trips the instability guard.
/// </summary>
[TestClass]
public sealed class RunLengthTests
{
    [TestMethod]
    public void AShortRunReachesItsPeakLearningRate()
    {
        var ml = new MLContext(1);
        var options = new StableDeepOptions { Epochs = 10, Seed = 1, Device = SmallOptions.Device }; // 300 rows: 3 steps per epoch, 30 in all
        var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(TestData.Blobs(ml, rows: 300));
        double peak = model.TrainingHistory.Max(e => e.LearningRate);
        Assert.AreEqual(30L, model.TrainingHistory[^1].Steps);
        Assert.IsTrue(peak > 0.95 * options.EffectiveLearningRate, $"peak learning rate {peak:G3} of {options.EffectiveLearningRate:G3}: warmup (100 steps) must not outlast the run");
    }

    [TestMethod]
    public void WarmupTakesAtMostATenthOfTheRun()
    {
        var schedule = new LearningRateSchedule(new DeepNetworkOptions { WarmupSteps = 100, LearningRateSchedule = LearningRateScheduleKind.Constant }, 3, 30);
        double peak = new DeepNetworkOptions().EffectiveLearningRate;
        Assert.AreEqual(peak / 3, schedule.At(0), 1e-12);
        Assert.AreEqual(peak, schedule.At(2), 1e-12, "warmup ends after 3 of 30 steps");
        var longRun = new LearningRateSchedule(new DeepNetworkOptions { WarmupSteps = 100, LearningRateSchedule = LearningRateScheduleKind.Constant }, 100, 10_000);
        Assert.AreEqual(peak / 2, longRun.At(49), 1e-12, "a long run keeps its 100 warmup steps");
    }

    [TestMethod]
    public void SmallDataSetsGetEnoughStepsWhenEpochsAreNotSet()
    {
        var options = new DeepNetworkOptions();
        Assert.IsNull(options.Epochs);
        Assert.AreEqual(167, options.ResolveEpochs(3), "3 steps per epoch: 500 steps need 167 epochs");
        Assert.AreEqual(10, options.ResolveEpochs(63), "the bundled digits: 10 epochs are 630 steps");
        Assert.AreEqual(500, options.ResolveEpochs(1), "one step per epoch: 500 epochs");
        options.Epochs = 4;
        Assert.AreEqual(4, options.ResolveEpochs(3), "an explicit epoch count is kept");

        var ml = new MLContext(1);
        // HiddenLayers set: the epoch rule is the same with or without the automatic depth, whose cross-validation
        // would train this 167-epoch run sixteen times.
        var model = ml.MulticlassClassification.Trainers.StableDeep(new StableDeepOptions { HiddenLayers = 2, HiddenSize = 16, Seed = 1, Device = SmallOptions.Device })
            .Fit(TestData.Blobs(ml, rows: 300));
        Assert.AreEqual(167, model.TrainingHistory.Count);
        Assert.IsTrue(model.TrainingHistory[^1].Steps >= DeepNetworkOptions.AutomaticMinimumSteps);
    }

    /// <summary>
    /// Healthy runs of 40 epochs in batches of 32: the guard must stay silent (the false alarm was at epoch 15).
    /// Wine and breast cancer get the whole default path of a small table (the cross-validated depth, the stacked
    /// linear model, the averaged MLPs); on the two digit tables the test trains the network whose report it reads
    /// alone: the report holds the guard's events of the first averaged MLP's fit only, and the selection's fifteen
    /// other 40-epoch fits there took over 80% of this test class's time.
    /// </summary>
    public static IEnumerable<object[]> HealthyLongRuns()
    {
        yield return new object[] { "digits (MNIST, 1,500 rows)" };
        yield return new object[] { "wine" };
        yield return new object[] { "breast cancer" };
        yield return new object[] { "digits 8x8" };
    }

    [TestMethod]
    [DynamicData(nameof(HealthyLongRuns))]
    public void ALongHealthyRunWithSmallBatchesRaisesNoInstability(string dataSet)
    {
        var ml = new MLContext(1);
        // The defaults, run for 40 epochs in batches of 32, then the case's own settings.
        static StableDeepOptions LongRun(Action<StableDeepOptions>? change = null) => SmallOptions.Defaults(o =>
        {
            o.Epochs = 40;
            o.BatchSize = 32;
            change?.Invoke(o);
        });
        ITransformer model = dataSet switch
        {
            "wine" => Fit(ml, TestData.Table(ml, "wine.csv"), LongRun()),
            // The MLP the automatic depth keeps on this table, over its periodic embedding (64 features: embedded).
            "digits 8x8" => Fit(ml, TestData.Table(ml, "digits.csv"), LongRun(o =>
            {
                o.HiddenLayers = DeepNetworkOptions.AutomaticHiddenLayers;
                o.NumericEmbedding = NumericEmbeddingKind.Periodic;
            })),
            "breast cancer" => ml.BinaryClassification.Trainers.StableDeep(LongRun()).Fit(TestData.Table(ml, "breast-cancer.csv", DataKind.Boolean)),
            // The default MLP of more than 2,000 rows (the run had 4,000 digits), on 1,500 of them.
            _ => Fit(ml, TestData.MnistTrain(ml, 1500), LongRun(o => o.HiddenLayers = DeepNetworkOptions.AutomaticHiddenLayers)),
        };
        var report = model is StableDeepPredictionTransformer deep ? deep.TrainingReport
            : ((IEnumerable<ITransformer>)model).OfType<StableDeepPredictionTransformer>().Single().TrainingReport;
        Assert.AreEqual(0, report.Events.Count, string.Join("; ", report.Events));
        Assert.AreEqual(GradientHealthVerdict.Healthy, report.Verdict, report.Evidence);
        Assert.AreEqual(40, report.Epochs.Count);
    }

    private static ITransformer Fit(MLContext ml, IDataView data, StableDeepOptions options) =>
        ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.StableDeep(options)).Fit(data);
}
