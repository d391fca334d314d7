namespace MLStability.Tests.Trainers;

/// <summary>Faults beyond bad schemas: failing sources, text features, absurd options, concurrent scoring.</summary>
[TestClass]
public sealed class FaultTests
{
    private readonly MLContext ml = new(seed: 1);

    [TestMethod]
    public void AViewThatThrowsMidCursorSaysWhatFailed()
    {
        static IEnumerable<BadInputTests.FloatRow> Rows()
        {
            for (int i = 0; i < 50; i++)
            {
                if (i == 37)
                    throw new IOException("the network share went away");
                yield return new BadInputTests.FloatRow { Label = i % 2, Features = new[] { i % 2f, 1f, 0.5f } };
            }
        }
        var keys = ml.Transforms.Conversion.MapValueToKey("Label")
            .Fit(ml.Data.LoadFromEnumerable(new[] { new BadInputTests.FloatRow { Label = 0, Features = new float[3] }, new BadInputTests.FloatRow { Label = 1, Features = new float[3] } }));
        var data = keys.Transform(ml.Data.LoadFromEnumerable(Rows()));
        var error = Assert.Throws<InvalidOperationException>(() =>
            ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Trainer(epochs: 1)).Fit(data));
        StringAssert.Contains(error.Message, "the training data view failed");
        StringAssert.Contains(error.Message, "IOException: the network share went away");
    }

    [TestMethod]
    public void TextFeaturesAreRejectedBeforeTraining()
    {
        var rows = Enumerable.Range(0, 10).Select(i => new TextRow { Label = i % 2, Features = "pixel soup " + i });
        var data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Trainer()).Fit(data));
        StringAssert.Contains(error.Message, "'Features' must be a known-size vector of Single, but it is String");
    }

    [TestMethod]
    public void NegativeEpochsAreRejected()
    {
        var options = SmallOptions.Trainer();
        options.Epochs = -3;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.StableDeep(options));
        StringAssert.Contains(error.Message, "StableDeepOptions.Epochs must be in [1, 100000]; got -3.");
    }

    [TestMethod]
    public void EightThreadsScoringAtOnceGetTheSingleThreadedResults()
    {
        var data = TestData.Blobs(ml, rows: 200);
        var model = ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Trainer()).Fit(data);
        var expected = TestData.Scores(model.Transform(data));
        var rows = ml.Data.CreateEnumerable<PersistenceTests.BlobFeatures>(data, reuseRowObject: false, ignoreMissingColumns: true).ToArray();

        var transformed = new float[8][][];
        var predicted = new float[8][][];
        Parallel.For(0, 16, new ParallelOptions { MaxDegreeOfParallelism = 16 }, task =>
        {
            if (task < 8)
            {
                transformed[task] = TestData.Scores(model.Transform(data));
                return;
            }
            var engine = ml.Model.CreatePredictionEngine<PersistenceTests.BlobFeatures, PersistenceTests.BlobPrediction>(model);
            predicted[task - 8] = rows.Select(r => engine.Predict(r).Score.ToArray()).ToArray();
        });
        for (int t = 0; t < 8; t++)
        {
            for (int i = 0; i < expected.Length; i++)
            {
                CollectionAssert.AreEqual(expected[i], transformed[t][i], $"Transform thread {t}, row {i}");
                for (int k = 0; k < 3; k++)
                    Assert.AreEqual(expected[i][k], predicted[t][i][k], 1e-6f, $"engine {t}, row {i}");
            }
        }
    }

    public sealed class TextRow
    {
        public float Label { get; set; }
        public string Features { get; set; } = "";
    }
}
