using Microsoft.ML.Transforms;
using MLStability.Transforms;

namespace MLStability.Tests.Trainers;

/// <summary>
/// mlContext.Transforms.StableDeepFeaturizer (transfer learning from a trained StableDeep network) and
/// mlContext.Transforms.StableDeepAutoencoder (unsupervised embedding and anomaly score) on the bundled digits.
/// </summary>
[TestClass]
public sealed class FeaturizerAndAutoencoderTests
{
    private static IDataView Keyed(MLContext ml, IDataView data) =>
        ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(data).Transform(data);

    [TestMethod]
    public void SdcaOnTheFeaturizersEmbeddingsBeatsSdcaOnRawPixels()
    {
        var ml = new MLContext(seed: 1);
        var train = Keyed(ml, TestData.MnistTrain(ml, 2000));
        var test = Keyed(ml, TestData.MnistTest(ml, 500));
        var options = SmallOptions.Trainer(epochs: 10);
        options.HiddenLayers = 2;
        options.HiddenSize = 128;
        using var network = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(train);

        var featurizer = ml.Transforms.StableDeepFeaturizer(network).Fit(train);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 128), featurizer.Transform(test).Schema["Embedding"].Type);
        var sdca = ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(featureColumnName: "Embedding", maximumNumberOfIterations: 20);
        var onEmbeddings = ml.MulticlassClassification.Evaluate(sdca.Fit(featurizer.Transform(train)).Transform(featurizer.Transform(test)));
        var raw = ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(maximumNumberOfIterations: 20);
        var onPixels = ml.MulticlassClassification.Evaluate(raw.Fit(train).Transform(test));
        Console.WriteLine($"network {ml.MulticlassClassification.Evaluate(network.Transform(test)).MicroAccuracy:F4}; SDCA MicroAccuracy on embeddings {onEmbeddings.MicroAccuracy:F4}, on pixels {onPixels.MicroAccuracy:F4}");
        Assert.IsTrue(onEmbeddings.MicroAccuracy > onPixels.MicroAccuracy + 0.01,
            $"embeddings {onEmbeddings.MicroAccuracy:F4} vs pixels {onPixels.MicroAccuracy:F4}");

        // The featurizer saves as a stock OnnxTransformer and loads without MLStability's help.
        string path = Path.Combine(Path.GetTempPath(), "mlstability-tests", Guid.NewGuid().ToString("N") + ".zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(featurizer, test.Schema, path);
        var loaded = new MLContext().Model.Load(path, out _);
        var before = featurizer.Transform(test).GetColumn<float[]>("Embedding").Take(50).ToArray();
        var after = loaded.Transform(test).GetColumn<float[]>("Embedding").Take(50).ToArray();
        for (int i = 0; i < before.Length; i++)
            for (int j = 0; j < before[i].Length; j++)
                Assert.AreEqual(before[i][j], after[i][j], 1e-4f, $"row {i}, slot {j}");
    }

    [TestMethod]
    public void TheAutoencodersReconstructionErrorSeparatesNoiseImagesFromDigits()
    {
        var ml = new MLContext(seed: 1);
        var options = new StableDeepAutoencoderOptions { EmbeddingSize = 16, Epochs = 5, BatchSize = 64, WarmupSteps = 20, Seed = 3, Device = SmallOptions.Device };
        var autoencoder = ml.Transforms.StableDeepAutoencoder(options).Fit(TestData.MnistTrain(ml, 2000));
        Assert.AreEqual(5, autoencoder.TrainingReport.Epochs.Count);
        Assert.IsTrue(autoencoder.TrainingReport.Epochs[^1].Layers.Any(l => l.Layer == "encoder.block0"), "per-layer diagnostics");

        // 400 test digits (normal) and 100 uniform-noise images (anomalies).
        var digits = ml.Data.CreateEnumerable<MLStability.Data.MnistDataset.MnistRow>(TestData.MnistTest(ml, 400), reuseRowObject: false)
            .Select(d => new ImageRow { Features = d.Features, IsAnomaly = false });
        var random = new Random(9);
        var noise = Enumerable.Range(0, 100).Select(_ => new ImageRow
        {
            Features = Enumerable.Range(0, 784).Select(_ => (float)random.NextDouble()).ToArray(),
            IsAnomaly = true,
        });
        var mixed = ml.Data.LoadFromEnumerable(digits.Concat(noise).ToList());
        var scored = autoencoder.Transform(mixed);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 16), scored.Schema["Embedding"].Type);
        var errors = scored.GetColumn<float>("ReconstructionError").ToArray();
        var labels = scored.GetColumn<bool>("IsAnomaly").ToArray();
        double auc = AreaUnderRoc(errors, labels);
        Console.WriteLine($"reconstruction-error AUC {auc:F4}; mean error digits {errors.Where((e, i) => !labels[i]).Average():G3}, noise {errors.Where((e, i) => labels[i]).Average():G3}");
        Assert.IsTrue(auc >= 0.95, $"AUC {auc:F4}");

        // Saved and loaded in a fresh context (LoadVerified registers MLStability's CustomMapping).
        string path = Path.Combine(Path.GetTempPath(), "mlstability-tests", Guid.NewGuid().ToString("N") + ".zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(autoencoder, mixed.Schema, path);
        var loaded = new MLContext().Model.LoadVerified(path, out _);
        var loadedErrors = loaded.Transform(mixed).GetColumn<float>("ReconstructionError").ToArray();
        for (int i = 0; i < errors.Length; i++)
            Assert.AreEqual(errors[i], loadedErrors[i], 1e-4f * Math.Max(1, errors[i]), $"row {i}");
        Assert.AreEqual(NumberDataViewType.Single, loaded.Transform(mixed).Schema["ReconstructionError"].Type);
    }

    [TestMethod]
    public void TheAutoencoderValidatesItsOptionsAndInput()
    {
        var ml = new MLContext(seed: 1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.StableDeepAutoencoder(new StableDeepAutoencoderOptions { EmbeddingSize = 0 }));
        StringAssert.Contains(error.Message, "EmbeddingSize");
        var network = Assert.Throws<ArgumentException>(() => ml.Transforms.StableDeepAutoencoder(new StableDeepAutoencoderOptions
            { Network = NetworkKind.ResNet, InputShape = new[] { 1, 28, 28 } }));
        StringAssert.Contains(network.Message, "the autoencoder is an MLP");
        var embedding = Assert.Throws<ArgumentException>(() => ml.Transforms.StableDeepAutoencoder(new StableDeepAutoencoderOptions
            { NumericEmbedding = NumericEmbeddingKind.Periodic }));
        Assert.AreEqual("NumericEmbedding", embedding.ParamName);
        var missing = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.Transforms.StableDeepAutoencoder(new StableDeepAutoencoderOptions { FeatureColumnName = "Pixels", Epochs = 1 }).Fit(TestData.MnistTrain(ml, 20)));
        StringAssert.Contains(missing.Message, "the feature column 'Pixels' was not found");
        var shape = ml.Transforms.StableDeepAutoencoder(new StableDeepAutoencoderOptions { Epochs = 1 }).GetOutputSchema(Shapes.Of(TestData.MnistTrain(ml, 5).Schema));
        Assert.AreEqual(SchemaShape.Column.VectorKind.Scalar, shape.Single(c => c.Name == "ReconstructionError").Kind);
        Assert.AreEqual(NumberDataViewType.Single, shape.Single(c => c.Name == "ReconstructionError").ItemType);
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, shape.Single(c => c.Name == "Embedding").Kind);
    }

    [TestMethod]
    public void TheFeaturizerChecksTheFeatureColumnAndScoresLazily()
    {
        var ml = new MLContext(seed: 1);
        var blobs = TestData.Blobs(ml, rows: 120);
        using var network = ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Trainer(epochs: 1)).Fit(blobs);
        var featurizer = ml.Transforms.StableDeepFeaturizer(network, "Code");
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => featurizer.Fit(TestData.MnistTrain(ml, 10)));
        StringAssert.Contains(error.Message, "the feature column 'Features' has 784 values per row, but the model was trained on 8");

        var transformer = featurizer.Fit(blobs);
        var view = transformer.Transform(blobs); // lazy: nothing is computed until Code is read
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 32), view.Schema["Code"].Type);
        var codes = view.GetColumn<float[]>("Code").ToArray();
        Assert.AreEqual(120, codes.Length);
        Assert.IsTrue(codes.All(c => c.All(float.IsFinite)));
    }

    [TestMethod]
    public void CustomColumnNamesSurviveSaveAndLoad()
    {
        var ml = new MLContext(seed: 1);
        var blobs = TestData.Blobs(ml, rows: 90);
        var options = new StableDeepAutoencoderOptions
        {
            EmbeddingSize = 4, HiddenLayerSizes = new[] { 8 }, Epochs = 1, BatchSize = 16, Seed = 1, Device = SmallOptions.Device,
            EmbeddingColumnName = "Code", ReconstructionErrorColumnName = "Surprise",
        };
        using var autoencoder = ml.Transforms.StableDeepAutoencoder(options).Fit(blobs);
        string path = Path.Combine(Path.GetTempPath(), "mlstability-tests", Guid.NewGuid().ToString("N") + ".zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(autoencoder, blobs.Schema, path);
        var loaded = new MLContext().Model.LoadVerified(path, out _).Transform(blobs);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 4), loaded.Schema["Code"].Type);
        Assert.AreEqual(NumberDataViewType.Single, loaded.Schema["Surprise"].Type);
        Assert.IsNull(loaded.Schema.GetColumnOrNull("StableDeep.Value"), "intermediate columns are dropped");
        var before = autoencoder.Transform(blobs).GetColumn<float>("Surprise").ToArray();
        var after = loaded.GetColumn<float>("Surprise").ToArray();
        for (int i = 0; i < before.Length; i++)
            Assert.AreEqual(before[i], after[i], 1e-5f * Math.Max(1, before[i]), $"row {i}");
    }

    /// <summary>The probability that a random anomaly scores above a random normal row (ties count half).</summary>
    private static double AreaUnderRoc(float[] scores, bool[] positive)
    {
        var pos = scores.Where((s, i) => positive[i]).ToArray();
        var neg = scores.Where((s, i) => !positive[i]).ToArray();
        double wins = pos.Sum(p => neg.Sum(n => p > n ? 1.0 : p == n ? 0.5 : 0));
        return wins / (pos.Length * (double)neg.Length);
    }

    private sealed class ImageRow
    {
        [VectorType(784)]
        public float[] Features { get; set; } = Array.Empty<float>();

        public bool IsAnomaly { get; set; }
    }
}
