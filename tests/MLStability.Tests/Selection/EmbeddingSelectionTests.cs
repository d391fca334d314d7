namespace MLStability.Tests.Selection;

/// <summary>
/// An automatic NumericEmbedding above the depth selection's 2,000 training rows: the MLP with and without the periodic
/// embedding train on a sample of the training rows, and the embedding is kept only where its held-out loss is clearly
/// lower. Then the fit trains exactly as if the user had set the chosen embedding.
/// </summary>
[TestClass]
public sealed class EmbeddingSelectionTests
{
    private const int Rows = 2_400;

    /// <summary>Small, fixed-length networks: the selection's logic, not the defaults' accuracy, is under test.</summary>
    private static DeepNetworkOptions Options(NumericEmbeddingKind? embedding = null) => new()
    {
        HiddenLayers = 2,
        HiddenSize = 64,
        Epochs = 40,
        Device = SmallOptions.Device,
        NumericEmbedding = embedding,
    };

    /// <summary>
    /// Two features uniform in [-1, 1]; the class is that of the stripe (six across the first feature) when
    /// <paramref name="striped"/>, else the side of a line through both features, with 5% of labels flipped.
    /// </summary>
    private static ClassificationData Table(bool striped, int rows = Rows, int seed = 3)
    {
        var random = new Random(seed);
        var features = new float[rows * 2];
        var labels = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            float x = (float)(random.NextDouble() * 2 - 1), y = (float)(random.NextDouble() * 2 - 1);
            (features[2 * r], features[2 * r + 1]) = (x, y);
            int label = striped ? (int)Math.Floor((x + 1) * 3) % 2 : x + 0.5f * y > 0 ? 1 : 0;
            labels[r] = random.NextDouble() < 0.05 ? 1 - label : label;
        }
        return new ClassificationData(features, labels, 2, 2);
    }

    private static float[] Probabilities(TrainedClassifier model, ClassificationData data)
    {
        var outputs = new float[data.Rows * 2];
        model.PredictProbabilities(data.Features, data.Rows, outputs);
        return outputs;
    }

    [TestMethod]
    [DataRow(true, NumericEmbeddingKind.Periodic)]
    [DataRow(false, NumericEmbeddingKind.None)]
    public void TheEmbeddingIsKeptWhereItPaysAndTheFitThenTrainsAsIfTheUserHadSetIt(bool striped, NumericEmbeddingKind expected)
    {
        var data = Table(striped);
        using var automatic = new NetworkTrainer(Options(), seed: 2).Train(data);
        var selection = automatic.Report.EmbeddingSelection;
        Console.WriteLine(selection);
        Assert.IsNotNull(selection);
        Assert.AreEqual(expected, selection.Chosen, selection.ToString());
        Assert.AreEqual(Math.Min(EmbeddingSelection.MaximumHeldOutRows, Rows / 5), selection.HeldOutRows);
        Assert.AreEqual(Math.Min(EmbeddingSelection.MaximumCandidateRows, Rows - selection.HeldOutRows), selection.CandidateRows);
        Assert.AreEqual(40, selection.CandidateEpochs, "the candidates train the epochs the user set");
        if (expected == NumericEmbeddingKind.Periodic)
            Assert.IsTrue(selection.PeriodicLoss < (1 - EmbeddingSelection.RequiredImprovement) * selection.PlainLoss, selection.ToString());
        StringAssert.Contains(automatic.Report.ToMarkdown(), "Embedding: NumericEmbedding = " + expected);

        using var set = new NetworkTrainer(Options(expected), seed: 2).Train(data);
        Assert.IsNull(set.Report.EmbeddingSelection, "an embedding the user set is trained as set");
        CollectionAssert.AreEqual(Probabilities(set, data), Probabilities(automatic, data), "the chosen embedding trains as the set one");
    }

    [TestMethod]
    public void TheStripesNeedTheEmbedding()
    {
        // What the selection's choice buys on the striped table: accuracy on fresh rows of the same stripes.
        var data = Table(striped: true);
        var fresh = Table(striped: true, rows: 2_000, seed: 11);
        double Accuracy(NumericEmbeddingKind embedding)
        {
            using var model = new NetworkTrainer(Options(embedding), seed: 2).Train(data);
            var p = Probabilities(model, fresh);
            return Enumerable.Range(0, fresh.Rows).Count(r => (p[2 * r + 1] > p[2 * r] ? 1 : 0) == fresh.Labels[r]) / (double)fresh.Rows;
        }
        double plain = Accuracy(NumericEmbeddingKind.None), periodic = Accuracy(NumericEmbeddingKind.Periodic);
        Console.WriteLine($"stripes: plain {plain:F4}, periodic {periodic:F4}");
        Assert.IsTrue(periodic > plain + 0.03, $"plain {plain:F4}, periodic {periodic:F4}");
    }

    [TestMethod]
    public void WithAutomaticEpochsTheCandidatesTrainAHalfLengthRun()
    {
        var options = Options();
        options.Epochs = null;
        options.BatchSize = 128;
        using var model = new NetworkTrainer(options, seed: 2).Train(Table(striped: false));
        var selection = model.Report.EmbeddingSelection!;
        long stepsPerEpoch = (selection.CandidateRows + 127) / 128; // 1,920 rows: 15 steps
        Assert.AreEqual((int)((EmbeddingSelection.CandidateSteps + stepsPerEpoch - 1) / stepsPerEpoch), selection.CandidateEpochs, selection.ToString());
        Assert.IsTrue(model.Report.Epochs.Count * ((Rows + 127) / 128) >= 500, "the final fit keeps its automatic length");
    }

    [TestMethod]
    public void NoSelectionRunsOnSmallOrWideTables()
    {
        using (var small = new NetworkTrainer(Options(), seed: 2).Train(Table(striped: true, rows: 1_000)))
            Assert.IsNull(small.Report.EmbeddingSelection, "2,000 rows or fewer: the depth selection's range");
        var wide = Table(striped: true);
        var features = new float[wide.Rows * 65];
        for (int r = 0; r < wide.Rows; r++)
            Array.Copy(wide.Features, 2 * r, features, 65 * r, 2);
        using (var model = new NetworkTrainer(Options(), seed: 2).Train(new ClassificationData(features, wide.Labels, 65, 2)))
            Assert.IsNull(model.Report.EmbeddingSelection, "more than 64 features get no automatic embedding");
    }
}
