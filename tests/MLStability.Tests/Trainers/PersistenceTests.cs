using Microsoft.ML.Transforms;

namespace MLStability.Tests.Trainers;

/// <summary>mlContext.Model.Save / Load of pipelines that contain StableDeep transformers.</summary>
[TestClass]
public sealed class PersistenceTests
{
    public TestContext TestContext { get; set; } = null!;

    private string TempFile(string name)
    {
        string directory = Path.Combine(Path.GetTempPath(), "mlstability-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name);
    }

    [TestMethod]
    public void ASavedMnistPipelineLoadsAndScoresTheSame()
    {
        var ml = new MLContext(seed: 1);
        var options = SmallOptions.Trainer(epochs: 2);
        options.Normalization = NormalizationKind.BatchNorm;
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.MulticlassClassification.Trainers.StableDeep(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
        var train = TestData.MnistTrain(ml, 1000);
        var test = TestData.MnistTest(ml, 400);
        var model = pipeline.Fit(train);

        string path = TempFile("model.zip");
        ml.Model.Save(model, train.Schema, path);
        var loaded = ml.Model.Load(path, out var schema);

        Assert.AreEqual(train.Schema["Features"].Type, schema["Features"].Type);
        var before = model.Transform(test);
        var after = loaded.Transform(test);
        CollectionAssert.AreEqual(before.GetColumn<uint>("PredictedLabel").ToArray(), after.GetColumn<uint>("PredictedLabel").ToArray());
        var scoresBefore = TestData.Scores(before);
        var scoresAfter = TestData.Scores(after);
        for (int i = 0; i < scoresBefore.Length; i++)
            for (int k = 0; k < 10; k++)
                Assert.AreEqual(scoresBefore[i][k], scoresAfter[i][k], 1e-5f, $"row {i}, class {k}");

        var metricsBefore = ml.MulticlassClassification.Evaluate(before);
        var metricsAfter = ml.MulticlassClassification.Evaluate(after);
        Assert.AreEqual(metricsBefore.MicroAccuracy, metricsAfter.MicroAccuracy, 1e-12);
        Assert.AreEqual(metricsBefore.LogLoss, metricsAfter.LogLoss, 1e-5);
    }

    [TestMethod]
    public void TheLoadedModelKeepsKeyValuesAndServesAPredictionEngine()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Blobs(ml, rows: 150);
        var model = ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Trainer()).Fit(data);
        string path = TempFile("blobs.zip");
        ml.Model.Save(model, data.Schema, path);
        var loaded = ml.Model.Load(path, out _);

        var predicted = loaded.Transform(data).Schema["PredictedLabel"];
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 3), predicted.Type);
        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        predicted.GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(new[] { "class0", "class1", "class2" }, keyValues.DenseValues().Select(v => v.ToString()).ToArray());

        var engine = ml.Model.CreatePredictionEngine<BlobFeatures, BlobPrediction>(loaded);
        var inMemory = ml.Model.CreatePredictionEngine<BlobFeatures, BlobPrediction>(model);
        foreach (var row in ml.Data.CreateEnumerable<BlobFeatures>(data, reuseRowObject: false, ignoreMissingColumns: true).Take(20))
        {
            var a = inMemory.Predict(row);
            var b = engine.Predict(row);
            Assert.AreEqual(a.PredictedLabel, b.PredictedLabel);
            for (int k = 0; k < 3; k++)
                Assert.AreEqual(a.Score[k], b.Score[k], 1e-5f);
        }
    }

    public sealed class BlobFeatures
    {
        [VectorType(8)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    public sealed class BlobPrediction
    {
        public uint PredictedLabel { get; set; }
        public float[] Score { get; set; } = Array.Empty<float>();
    }
}
