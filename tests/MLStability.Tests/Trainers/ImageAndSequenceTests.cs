using Microsoft.ML.Transforms;

namespace MLStability.Tests.Trainers;

/// <summary>
/// StableDeep with a ResNet over the digits as 1 x 28 x 28 images and with recurrent networks over the digits as 28
/// rows of 28 pixels (sequential MNIST): accuracy on real digits, save/load round trips, and clear shape errors.
/// The full-size runs (ResNet 0.987, LSTM 0.9715 on the 2,000 test digits) are the MNIST sample's; these are smaller.
/// </summary>
[TestClass]
public sealed class ImageAndSequenceTests
{
    private static (ITransformer Model, IDataView Train, IDataView Test, double Accuracy) FitOnDigits(MLContext ml, StableDeepOptions options, int rows)
    {
        options.Seed = 5;
        options.Device = SmallOptions.Device;
        options.BatchSize = 32; // 63 steps per epoch on 2,000 rows
        options.WarmupSteps = 20;
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(ml.MulticlassClassification.Trainers.StableDeep(options));
        var train = TestData.MnistTrain(ml, rows);
        var test = TestData.MnistTest(ml, 500);
        var model = pipeline.Fit(train);
        return (model, train, test, ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy);
    }

    [TestMethod]
    public void AResNetLearnsTheDigitsAndSurvivesSaveAndLoad()
    {
        var ml = new MLContext(seed: 1);
        var options = StableDeepOptions.ForImages(1, 28, 28);
        options.Epochs = 3;
        var (model, train, test, accuracy) = FitOnDigits(ml, options, rows: 2000);
        Console.WriteLine($"ResNet accuracy {accuracy:F4}");
        Assert.IsTrue(accuracy >= 0.9, $"ResNet accuracy {accuracy:F4}");
        RoundTrip.AssertLoadedModelScoresTheSame(ml, model, train.Schema, test);
    }

    [TestMethod]
    public void AnLstmLearnsSequentialDigitsAndSurvivesSaveAndLoad()
    {
        var ml = new MLContext(seed: 1);
        var options = StableDeepOptions.ForSequences(28, 28);
        options.RecurrentHiddenSize = 64;
        options.Epochs = 4;
        var (model, train, test, accuracy) = FitOnDigits(ml, options, rows: 2000);
        Console.WriteLine($"LSTM accuracy {accuracy:F4}");
        Assert.IsTrue(accuracy >= 0.85, $"LSTM accuracy {accuracy:F4}");
        RoundTrip.AssertLoadedModelScoresTheSame(ml, model, train.Schema, test);
    }

    [TestMethod]
    public void AShapeThatDoesNotMatchTheFeatureVectorIsAClearErrorAtFit()
    {
        var ml = new MLContext(seed: 1);
        var options = StableDeepOptions.ForImages(3, 28, 28);
        options.Epochs = 1;
        var error = Assert.Throws<ArgumentException>(() => FitOnDigits(ml, options, rows: 50));
        StringAssert.Contains(error.Message, "InputShape [3, 28, 28] holds 2352 values");
        StringAssert.Contains(error.Message, "'Features' is a vector of 784 values");
    }

    [TestMethod]
    [DataRow(NetworkKind.ResNet, "[C, H, W]")]
    [DataRow(NetworkKind.Recurrent, "[T, F]")]
    public void ConvolutionalAndRecurrentNetworksNeedAnInputShape(NetworkKind network, string expected)
    {
        var options = new StableDeepOptions { Network = network };
        var error = Assert.Throws<ArgumentException>(() => new MLContext().MulticlassClassification.Trainers.StableDeep(options));
        StringAssert.Contains(error.Message, expected);
        StringAssert.Contains(error.Message, "got null");
    }

    [TestMethod]
    public void RecurrentNetworksRejectBatchNormalization()
    {
        var options = StableDeepOptions.ForSequences(28, 28);
        options.Normalization = NormalizationKind.BatchNorm;
        var error = Assert.Throws<ArgumentException>(() => new MLContext().MulticlassClassification.Trainers.StableDeep(options));
        StringAssert.Contains(error.Message, "use LayerNorm or None");
    }
}
