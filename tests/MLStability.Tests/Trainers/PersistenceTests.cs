using System.Reflection;
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

        RoundTrip.AssertLoadedModelScoresTheSame(ml, model, train.Schema, test);
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

    [TestMethod]
    public void ASavedModelScoresInAnAppWithoutMLStabilityOrTorchSharp()
    {
        var ml = new MLContext(seed: 1);
        var train = TestData.MnistTrain(ml, 800);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(train).Transform(train);
        var model = ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Trainer(epochs: 2)).Fit(keyed);
        var test = TestData.MnistTest(ml, 60);
        string zip = TempFile("digits.zip");
        ml.Model.Save(model, test.Schema, zip);

        var features = test.GetColumn<float[]>("Features").ToArray();
        string input = TempFile("features.bin");
        using (var writer = new BinaryWriter(File.Create(input)))
        {
            writer.Write(features.Length);
            writer.Write(784);
            foreach (float value in features.SelectMany(f => f))
                writer.Write(value);
        }

        string consumer = typeof(PersistenceTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "OnnxConsumer").Value!;
        string consumerDirectory = Path.GetDirectoryName(consumer)!;
        Assert.IsFalse(Directory.EnumerateFiles(consumerDirectory, "*", SearchOption.AllDirectories)
            .Any(f => Path.GetFileName(f).StartsWith("MLStability.", StringComparison.Ordinal) && !f.Contains("OnnxConsumer")
                      || Path.GetFileName(f).StartsWith("TorchSharp", StringComparison.Ordinal) || f.Contains("libtorch")),
            "the consumer application must not ship MLStability or TorchSharp");

        var start = new System.Diagnostics.ProcessStartInfo("dotnet", new[] { consumer, zip, input })
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        string errors = process.StandardError.ReadToEnd();
        Assert.IsTrue(process.WaitForExit(60_000), "the consumer did not finish");
        Assert.AreEqual(0, process.ExitCode, errors);

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.AreEqual("# Key<UInt32, 0-9>; assemblies: ", lines[0]);
        var expected = model.Transform(test);
        var expectedKeys = expected.GetColumn<uint>("PredictedLabel").ToArray();
        var expectedScores = TestData.Scores(expected);
        Assert.AreEqual(features.Length, lines.Length - 1);
        for (int i = 0; i < features.Length; i++)
        {
            var fields = lines[i + 1].Split('\t');
            Assert.AreEqual(expectedKeys[i], uint.Parse(fields[0]));
            Assert.AreEqual((expectedKeys[i] - 1).ToString(), fields[1], "key values are the digits");
            var scores = fields[2].Split(',').Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            for (int k = 0; k < 10; k++)
                Assert.AreEqual(expectedScores[i][k], scores[k], 1e-5f);
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
