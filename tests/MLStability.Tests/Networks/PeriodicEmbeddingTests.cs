using MLStability.Networks;
using static TorchSharp.torch;

namespace MLStability.Tests.Networks;

/// <summary>
/// The periodic numeric embedding (NumericEmbedding = Periodic): its output against the paper's formula, the options'
/// checks, and what it changes on a real table whose classes follow thresholds on single features.
/// </summary>
[TestClass]
public sealed class PeriodicEmbeddingTests
{
    [TestMethod]
    public void EachFeatureBecomesAReluOfItsOwnLinearMapOfCosinesAndSines()
    {
        const int rows = 5, features = 3, frequencyCount = 2, width = 4;
        manual_seed(3);
        using var embedding = new PeriodicEmbedding("embedding", features, frequencyCount, width, scale: 0.5f);
        var parameters = embedding.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().cpu());
        float[] c = parameters["frequencies"].data<float>().ToArray(), w = parameters["weight"].data<float>().ToArray(),
                b = parameters["bias"].data<float>().ToArray();
        using var input = randn(rows, features) * 2;
        float[] x = input.data<float>().ToArray();
        using var output = embedding.forward(input);
        CollectionAssert.AreEqual(new long[] { rows, features * width }, output.shape);
        float[] actual = output.data<float>().ToArray();
        for (int n = 0; n < rows; n++)
            for (int f = 0; f < features; f++)
                for (int u = 0; u < width; u++)
                {
                    double sum = b[f * width + u];
                    for (int k = 0; k < frequencyCount; k++)
                    {
                        double angle = 2 * Math.PI * c[f * frequencyCount + k] * x[n * features + f];
                        sum += w[(f * 2 * frequencyCount + k) * width + u] * Math.Cos(angle)
                             + w[(f * 2 * frequencyCount + frequencyCount + k) * width + u] * Math.Sin(angle);
                    }
                    Assert.AreEqual(Math.Max(0, sum), actual[n * features * width + f * width + u], 1e-5, $"row {n}, feature {f}, unit {u}");
                }
    }

    [TestMethod]
    public void ItIsValidatedAndWatchedLikeEveryLayer()
    {
        var resNet = new DeepNetworkOptions { Network = NetworkKind.ResNet, InputShape = new[] { 1, 4, 4 }, NumericEmbedding = NumericEmbeddingKind.Periodic };
        var error = Assert.ThrowsExactly<ArgumentException>(resNet.Validate);
        StringAssert.Contains(error.Message, "NumericEmbedding");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new DeepNetworkOptions { PeriodicEmbeddingScale = 0 }.Validate());
        Assert.IsFalse(new DeepNetworkOptions { HiddenLayers = 0, NumericEmbedding = NumericEmbeddingKind.Periodic }.IsLinearModel,
            "an embedded model is not the convex linear model and does not get its learning rate");

        var options = new DeepNetworkOptions { HiddenLayers = 2, HiddenSize = 8, NumericEmbedding = NumericEmbeddingKind.Periodic, PeriodicEmbeddingWidth = 3 };
        using var network = new MlpNetwork(inputSize: 5, outputSize: 2, options);
        Assert.AreEqual("embedding", network.WatchedLayers[0].Name, "its gradient is diagnosed with the other layers'");
        Assert.AreEqual(15, network.Blocks[0].Linear.weight!.shape[1], "5 features x 3 numbers each");
    }

    [TestMethod]
    public void ASavedModelWithTheEmbeddingScoresTheSame()
    {
        var ml = new MLContext(1);
        var data = TestData.Table(ml, "wine.csv");
        var options = SmallOptions.Trainer();
        options.NumericEmbedding = NumericEmbeddingKind.Periodic;
        options.PeriodicEmbeddingScale = 1f;
        var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.StableDeep(options)).Fit(data);
        RoundTrip.AssertLoadedModelScoresTheSame(ml, model, data.Schema, data);
    }

    [TestMethod]
    public void AutomaticallyOnlyTheSmallTablesMlpCandidateIsEmbedded()
    {
        var ml = new MLContext(1);
        var data = TestData.Table(ml, "cars-mpg.csv");
        TrainingReport Report(Action<StableDeepOptions> change) =>
            ml.Regression.Trainers.StableDeep(SmallOptions.Defaults(o => { o.Epochs = 10; change(o); })).Fit(data).TrainingReport;
        string[] Layers(TrainingReport report) => report.Epochs[^1].Layers.Select(l => l.Layer).ToArray();

        var automatic = Report(_ => { });
        Assert.AreEqual(NumericEmbeddingKind.Periodic, automatic.DepthSelection!.NetworkEmbedding);
        StringAssert.Contains(automatic.DepthSelection.ToString(), "periodic embedding");
        var refused = Report(o => o.NumericEmbedding = NumericEmbeddingKind.None);
        Assert.AreEqual(NumericEmbeddingKind.None, refused.DepthSelection!.NetworkEmbedding, "the user's None holds in the selection");
        Assert.AreNotEqual(automatic.DepthSelection.NetworkLoss, refused.DepthSelection.NetworkLoss);
        Assert.AreEqual("block0", Layers(Report(o => o.HiddenLayers = 2))[0], "a depth the user set gets no automatic embedding");
        Assert.AreEqual("embedding", Layers(Report(o => { o.HiddenLayers = 2; o.NumericEmbedding = NumericEmbeddingKind.Periodic; }))[0]);
    }

    /// <summary>5-fold cross-validated AUC on cars' origin (made in the USA or not), MLP with 4 hidden layers.</summary>
    private static double CarsOriginAuc(NumericEmbeddingKind embedding)
    {
        var ml = new MLContext(1);
        var options = SmallOptions.Defaults(o => { o.HiddenLayers = DeepNetworkOptions.AutomaticHiddenLayers; o.NumericEmbedding = embedding; });
        return ml.BinaryClassification.CrossValidateNonCalibrated(TestData.Table(ml, "cars-origin.csv", DataKind.Boolean),
            ml.BinaryClassification.Trainers.StableDeep(options), 5).Average(f => f.Metrics.AreaUnderRocCurve);
    }

    /// <summary>
    /// Cars' origin: whether a car was made in the USA follows thresholds on displacement and weight, which trees draw
    /// (FastTree 0.971 in docs/tabular.md) and a plain MLP smooths over (0.935).
    /// </summary>
    [TestMethod]
    public void OnATableOfThresholdsItTrainsABetterNetwork()
    {
        double plain = CarsOriginAuc(NumericEmbeddingKind.None), periodic = CarsOriginAuc(NumericEmbeddingKind.Periodic);
        Console.WriteLine($"cars' origin 5-fold AUC: plain MLP {plain:F4}, periodic embedding {periodic:F4}");
        Assert.IsTrue(periodic > plain + 0.008, $"periodic {periodic:F4} vs plain {plain:F4}");
        Assert.IsTrue(periodic > 0.945, $"periodic {periodic:F4}");
    }
}
