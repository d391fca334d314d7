using Microsoft.ML;
using Microsoft.ML.Transforms;
using MLStability.Transforms;

namespace MLStability.Tests;

/// <summary>
/// DataLoading = Streaming through the ML.NET trainers: the same quality as in memory, determinism, sources that cannot
/// shuffle, the budget's choice, validation and early stopping, checkpoints, bad input and failing sources mid-run,
/// and bounded memory.
/// </summary>
[TestClass]
public sealed class StreamingTrainingTests
{
    private static StableDeepOptions Options(DataLoadingKind loading, int epochs = 4) => new()
    {
        HiddenLayers = 2,
        HiddenSize = 64,
        Epochs = epochs,
        BatchSize = 64,
        Seed = 5,
        Device = SmallOptions.Device,
        DataLoading = loading,
    };

    private static (IDataView Train, IDataView Test) Digits(MLContext ml, int rows)
    {
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
        var train = TestData.MnistTrain(ml, rows);
        var keys = toKey.Fit(train);
        return (keys.Transform(train), keys.Transform(TestData.MnistTest(ml, 1000)));
    }

    private static float[] Scores(ITransformer model, IDataView data) => TestData.Scores(model.Transform(data)).SelectMany(s => s).ToArray();

    [TestMethod]
    public void StreamingTrainsAsWellAsInMemory()
    {
        var ml = new MLContext(seed: 1);
        var (train, test) = Digits(ml, 2000);
        var lines = new List<string>();
        ml.Log += (_, e) => { lock (lines) lines.Add(e.Message); };
        double Accuracy(DataLoadingKind loading) => ml.MulticlassClassification.Evaluate(
            ml.MulticlassClassification.Trainers.StableDeep(Options(loading)).Fit(train).Transform(test)).MicroAccuracy;
        double inMemory = Accuracy(DataLoadingKind.InMemory), streamed = Accuracy(DataLoadingKind.Streaming);
        Console.WriteLine($"in memory {inMemory:F4}, streamed {streamed:F4}");
        Assert.IsTrue(inMemory > 0.85, $"in memory {inMemory}");
        Assert.AreEqual(inMemory, streamed, 0.02);
        Assert.IsTrue(lines.Any(l => l.Contains("streamed (statistics from a sample of 2000 rows")),
            "the log says how the rows came: " + string.Join("\n", lines.Where(l => l.Contains("Training "))));
    }

    [TestMethod]
    public void EveryNetworkFamilyTaskAndTheAutoencoderTrainStreamed()
    {
        var ml = new MLContext(seed: 1);
        var blobs = TestData.Blobs(ml, rows: 300);
        foreach (var (family, configure) in new (string, Action<StableDeepOptions>)[]
                 {
                     ("ResNet", o => { o.Network = NetworkKind.ResNet; o.InputShape = new[] { 2, 2, 2 }; o.ResNetChannels = new[] { 4, 8 }; }),
                     ("Recurrent", o => { o.Network = NetworkKind.Recurrent; o.InputShape = new[] { 4, 2 }; o.RecurrentHiddenSize = 8; }),
                     ("Transformer", o => { o.Network = NetworkKind.Transformer; o.ModelWidth = 8; o.AttentionHeads = 2; o.TransformerLayers = 2; }),
                 })
        {
            double Accuracy(DataLoadingKind loading)
            {
                var options = Options(loading, epochs: 8);
                options.BatchSize = 32;
                configure(options);
                return ml.MulticlassClassification.Evaluate(ml.MulticlassClassification.Trainers.StableDeep(options).Fit(blobs).Transform(blobs)).MicroAccuracy;
            }
            double inMemory = Accuracy(DataLoadingKind.InMemory), streamed = Accuracy(DataLoadingKind.Streaming);
            Assert.AreEqual(inMemory, streamed, 0.06, $"{family}: in memory {inMemory}, streamed {streamed}");
        }

        var regression = NonlinearData.Regression(ml, 600, seed: 3);
        double RSquared(DataLoadingKind loading)
        {
            var options = Options(loading, epochs: 15);
            return ml.Regression.Evaluate(ml.Regression.Trainers.StableDeep(options).Fit(regression).Transform(regression)).RSquared;
        }
        double memoryR2 = RSquared(DataLoadingKind.InMemory), streamedR2 = RSquared(DataLoadingKind.Streaming);
        Assert.IsTrue(memoryR2 > 0.3, $"in memory R² {memoryR2}");
        Assert.AreEqual(memoryR2, streamedR2, 0.05, $"regression R²: in memory {memoryR2}, streamed {streamedR2}");

        var binary = NonlinearData.Binary(ml, 600, seed: 3);
        double Auc(DataLoadingKind loading) => ml.BinaryClassification.Evaluate(
            ml.BinaryClassification.Trainers.StableDeep(Options(loading, epochs: 15)).Fit(binary).Transform(binary)).AreaUnderRocCurve;
        double memoryAuc = Auc(DataLoadingKind.InMemory), streamedAuc = Auc(DataLoadingKind.Streaming);
        Assert.AreEqual(memoryAuc, streamedAuc, 0.03, $"binary AUC: in memory {memoryAuc}, streamed {streamedAuc}");

        var (digits, _) = Digits(ml, 600);
        float MeanReconstructionError(DataLoadingKind loading)
        {
            var options = new StableDeepAutoencoderOptions { Epochs = 6, Seed = 5, Device = SmallOptions.Device, DataLoading = loading, HiddenLayerSizes = new[] { 64 }, EmbeddingSize = 16 };
            var autoencoder = ml.Transforms.StableDeepAutoencoder(options).Fit(digits);
            return autoencoder.Transform(digits).GetColumn<float>("ReconstructionError").Average();
        }
        float memoryError = MeanReconstructionError(DataLoadingKind.InMemory), streamedError = MeanReconstructionError(DataLoadingKind.Streaming);
        Assert.AreEqual(memoryError, streamedError, 0.15 * memoryError, $"autoencoder reconstruction error: in memory {memoryError}, streamed {streamedError}");
    }

    [TestMethod]
    public void RollbackAndTheLearningRateFinderWorkOnStreamedRows()
    {
        var ml = new MLContext(seed: 1);
        var data = StreamedRows.Blobs(ml, 900);
        var exploding = Options(DataLoadingKind.Streaming, epochs: 3);
        ExplodingRecipe.Apply(exploding, layers: 8);
        exploding.LearningRate = 0.1f;
        var model = ml.MulticlassClassification.Trainers.StableDeep(exploding).Fit(data);
        Assert.IsTrue(model.TrainingReport.Events.Any(e => e.Action == InstabilityPolicy.Rollback), model.TrainingReport.ToString());
        Assert.IsTrue(TestData.Scores(model.Transform(data)).SelectMany(s => s).All(float.IsFinite), "rolled back to a finite model");

        var test = ml.MulticlassClassification.Trainers.StableDeep(Options(DataLoadingKind.Streaming)).FindLearningRate(data);
        Assert.IsNotNull(test.SuggestedLearningRate, test.ToString());
    }

    [TestMethod]
    public void ATextFileStreamsThroughTheShuffleBufferAsWellAsInMemory()
    {
        // A real table read by ML.NET's TextLoader: no row count, no shuffling, rows re-read from disk every epoch.
        var ml = new MLContext(seed: 1);
        var wine = ml.Transforms.Conversion.MapValueToKey("Label").Fit(TestData.Table(ml, "wine.csv")).Transform(TestData.Table(ml, "wine.csv"));
        Assert.IsFalse(wine.CanShuffle);
        double Accuracy(DataLoadingKind loading) => ml.MulticlassClassification.Evaluate(
            ml.MulticlassClassification.Trainers.StableDeep(new StableDeepOptions { Seed = 5, Device = SmallOptions.Device, DataLoading = loading }).Fit(wine).Transform(wine)).MicroAccuracy;
        double inMemory = Accuracy(DataLoadingKind.InMemory), streamed = Accuracy(DataLoadingKind.Streaming);
        Assert.IsTrue(inMemory > 0.95, $"in memory {inMemory}");
        Assert.AreEqual(inMemory, streamed, 0.03, $"wine: in memory {inMemory}, streamed {streamed}");
    }

    [TestMethod]
    public void StreamingWithASeedIsBitIdenticalAndTheSeedMatters()
    {
        var ml = new MLContext(seed: 1);
        var data = StreamedRows.Blobs(ml, 600);
        var first = Scores(ml.MulticlassClassification.Trainers.StableDeep(Options(DataLoadingKind.Streaming)).Fit(data), data);
        var again = Scores(ml.MulticlassClassification.Trainers.StableDeep(Options(DataLoadingKind.Streaming)).Fit(data), data);
        CollectionAssert.AreEqual(first, again);
        var otherSeed = Options(DataLoadingKind.Streaming);
        otherSeed.Seed = 6;
        CollectionAssert.AreNotEqual(first, Scores(ml.MulticlassClassification.Trainers.StableDeep(otherSeed).Fit(data), data));
    }

    [TestMethod]
    public void ASourceThatCannotShuffleTrainsThroughTheShuffleBuffer()
    {
        var ml = new MLContext(seed: 1);
        var data = StreamedRows.Blobs(ml, 900);
        Assert.IsFalse(data.CanShuffle);
        var lines = new List<string>();
        ml.Log += (_, e) => { lock (lines) lines.Add(e.Message); };
        var model = ml.MulticlassClassification.Trainers.StableDeep(Options(DataLoadingKind.Streaming)).Fit(data);
        Assert.IsTrue(ml.MulticlassClassification.Evaluate(model.Transform(data)).MicroAccuracy > 0.9);
        Assert.IsTrue(lines.Any(l => l.Contains("shuffle buffer of 20000 rows")));
    }

    [TestMethod]
    public void TheBudgetChoosesStreamingAndInMemoryStaysTheDefaultForDataThatFits()
    {
        var ml = new MLContext(seed: 1);
        var lines = new List<string>();
        ml.Log += (_, e) => { lock (lines) lines.Add(e.Message); };
        var (digits, _) = Digits(ml, 1000); // 1,000 x 784: about 9 MB in memory
        var tight = Options(DataLoadingKind.Auto, epochs: 1);
        tight.MemoryBudgetMegabytes = 1;
        ml.MulticlassClassification.Trainers.StableDeep(tight).Fit(digits);
        Assert.IsTrue(lines.Any(l => l.Contains("streaming the training data (DataLoading = Auto): 1,000 rows of 784 features need about 8 MB")), string.Join("\n", lines.Where(l => l.Contains("stream"))));

        lines.Clear();
        var unknownCount = StreamedRows.Blobs(ml, 30_000); // 30,000 x 16: about 2 MB; the view does not know its row count
        Assert.IsNull(unknownCount.GetRowCount());
        ml.MulticlassClassification.Trainers.StableDeep(tight).Fit(unknownCount);
        Assert.IsTrue(lines.Any(l => l.Contains("the view does not know its row count, and more than 5,140 rows")), string.Join("\n", lines.Where(l => l.Contains("stream"))));

        lines.Clear();
        ml.MulticlassClassification.Trainers.StableDeep(Options(DataLoadingKind.Auto, epochs: 1)).Fit(digits);
        Assert.IsFalse(lines.Any(l => l.Contains("stream")), "data that fits the default budget stays in memory");
    }

    [TestMethod]
    public void ValidationSplitAndEarlyStoppingWorkOnStreamedRows()
    {
        var ml = new MLContext(seed: 1);
        var data = StreamedRows.Blobs(ml, 1000);
        var options = Options(DataLoadingKind.Streaming, epochs: 40);
        options.ValidationFraction = 0.2f;
        options.EarlyStoppingPatience = 2;
        options.LearningRate = 0.05f;
        var lines = new List<string>();
        ml.Log += (_, e) => { lock (lines) lines.Add(e.Message); };
        var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(data);
        var history = model.TrainingHistory;
        Assert.IsTrue(history.All(h => h.ValidationLoss is double && h.ValidationAccuracy is > 0.5), "every epoch validated");
        Assert.IsTrue(history.Count < 40, $"early stopping ended the run after {history.Count} epochs");
        Assert.IsTrue(model.TrainingReport.WeightsEpoch < history.Count, "the best epoch's weights were restored");
        var match = lines.Select(l => System.Text.RegularExpressions.Regex.Match(l, @"on (\d+) rows \((\d+) held out")).Single(m => m.Success);
        int validationRows = int.Parse(match.Groups[2].Value);
        Assert.AreEqual(1000, int.Parse(match.Groups[1].Value) + validationRows, match.Value);
        Assert.IsTrue(validationRows is > 150 and < 250, $"{validationRows} of 1000 rows held out at 0.2");
    }

    [TestMethod]
    public void AFailingSourceMidRunKeepsTheLastCheckpointAndResumes()
    {
        var ml = new MLContext(seed: 1);
        string directory = Path.Combine(Path.GetTempPath(), "mlstability-tests", "streaming-" + Guid.NewGuid().ToString("N"));
        var options = Options(DataLoadingKind.Streaming, epochs: 3);
        options.CheckpointDirectory = directory;
        var reference = ml.MulticlassClassification.Trainers.StableDeep(Options(DataLoadingKind.Streaming, epochs: 3)).Fit(StreamedRows.Blobs(ml, 600));

        // Read 1 is the summary pass, read 2 epoch 1, read 3 epoch 2: it fails half-way through epoch 2.
        var failing = StreamedRows.Blobs(ml, 600, failOnRead: 3, failAtRow: 300);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.StableDeep(options).Fit(failing));
        StringAssert.Contains(error.Message, "the training data view failed after");
        StringAssert.Contains(error.Message, "the disk went away at row 300");

        var resumed = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(StreamedRows.Blobs(ml, 600));
        Assert.AreEqual(1, resumed.TrainingReport.ResumedAfterEpoch, "epoch 1's checkpoint survived the failure");
        var data = StreamedRows.Blobs(ml, 600);
        CollectionAssert.AreEqual(Scores(reference, data), Scores(resumed, data), "resumed and uninterrupted streamed runs match bit for bit");
    }

    [TestMethod]
    public void BadValuesFirstSeenInALaterEpochAreCaughtWithTheUsualMessage()
    {
        var ml = new MLContext(seed: 1);
        var data = StreamedRows.Blobs(ml, 600, failOnRead: 3, failAtRow: 250, nanInstead: true);
        var error = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ml.MulticlassClassification.Trainers.StableDeep(Options(DataLoadingKind.Streaming)).Fit(data));
        StringAssert.Contains(error.Message, "the feature column 'Features' holds NaN at row 250, slot 5");
    }

    [TestMethod]
    public void StreamingHoldsNoCopyOfTheData()
    {
        // 150,000 rows x 16 features (9.6 MB as floats) generated on the fly, one epoch. What the fit keeps alive on the
        // managed heap at the end of the epoch: in memory, the training rows (their tensor copy is native memory, not
        // counted here); streaming, only the 20,000-row sample (1.3 MB) and a few batches.
        var ml = new MLContext(seed: 1);
        long Retained(DataLoadingKind loading)
        {
            long retained = 0;
            var options = Options(loading, epochs: 1);
            options.BatchSize = 256;
            options.Progress = new Sampler(() => retained = GC.GetTotalMemory(forceFullCollection: true));
            long before = GC.GetTotalMemory(forceFullCollection: true);
            var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(StreamedRows.Blobs(ml, 150_000));
            Assert.IsTrue(ml.MulticlassClassification.Evaluate(model.Transform(StreamedRows.Blobs(ml, 3000))).MicroAccuracy > 0.9);
            return retained - before;
        }
        long streamed = Retained(DataLoadingKind.Streaming), inMemory = Retained(DataLoadingKind.InMemory);
        Console.WriteLine($"retained at the end of the epoch: streamed {streamed / 1e6:F1} MB, in memory {inMemory / 1e6:F1} MB");
        Assert.IsTrue(inMemory > 6_000_000, $"the in-memory fit holds the data: {inMemory / 1e6:F1} MB (the control)");
        Assert.IsTrue(streamed < 3_000_000, $"the streamed fit holds {streamed / 1e6:F1} MB");
    }

    private sealed class Sampler(Action sample) : IProgress<EpochProgress>
    {
        public void Report(EpochProgress value) => sample();
    }
}
