using Microsoft.ML.Transforms;

namespace MLStability.Tests.Trainers;

[TestClass]
public sealed class MnistAccuracyTests
{
    [TestMethod]
    public void TheDocumentedPipelineLearnsRealDigits()
    {
        var ml = new MLContext(seed: 1);
        var options = new StableDeepOptions
        {
            HiddenLayers = 3, HiddenSize = 128, Epochs = 4, BatchSize = 64, Seed = 1, Device = "auto", WarmupSteps = 50,
        };
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.MulticlassClassification.Trainers.StableDeep(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));

        var model = pipeline.Fit(TestData.MnistTrain(ml, 4000));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(TestData.MnistTest(ml, 2000)));

        Assert.IsTrue(metrics.MicroAccuracy >= 0.92, $"MicroAccuracy {metrics.MicroAccuracy:F4}");
        Assert.IsTrue(metrics.LogLoss < 0.35, $"LogLoss {metrics.LogLoss:F4}");
        var deep = model.OfType<StableDeepTransformer>().Single();
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray(), deep.ClassNames.ToArray());
        Assert.AreEqual(784, deep.FeatureCount);
        Assert.AreEqual(4, deep.TrainingHistory.Count);
    }
}
