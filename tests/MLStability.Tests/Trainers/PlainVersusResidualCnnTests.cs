using Microsoft.ML.Transforms;

namespace MLStability.Tests.Trainers;

/// <summary>
/// The ResNet paper's comparison on real digits: a 50-layer CNN (stem, 3 stages of 8 blocks, head) with batch
/// normalization, with and without residual connections, everything else equal.
/// </summary>
[TestClass]
public sealed class PlainVersusResidualCnnTests
{
    private static (double Accuracy, TrainingReport Report) Train(bool residual)
    {
        var ml = new MLContext(seed: 1);
        var options = StableDeepOptions.ForImages(1, 28, 28);
        options.ResNetChannels = new[] { 8, 16, 32 };
        options.ResNetBlocksPerStage = 8;
        options.ResidualConnections = residual;
        options.Epochs = 2;
        options.BatchSize = 32;
        options.WarmupSteps = 20;
        options.DiagnosticsInterval = 2;
        options.Seed = 3;
        options.Device = SmallOptions.Device;
        var keys = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(TestData.MnistTrain(ml, 1200));
        var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(keys.Transform(TestData.MnistTrain(ml, 1200)));
        var accuracy = ml.MulticlassClassification.Evaluate(model.Transform(keys.Transform(TestData.MnistTest(ml, 500)))).MicroAccuracy;
        return (accuracy, model.TrainingReport);
    }

    /// <summary>
    /// Without shortcuts the gradient grows layer after layer on its way back through the batch-normalized plain
    /// stack (Yang et al. 2019), so the stem's gradient is many times the last convolution's and training struggles;
    /// with shortcuts the per-layer gradient norms stay within a narrow band.
    /// </summary>
    [TestMethod]
    public void APlainDeepCnnIsWorseThanTheResidualOneAndItsGradientsShowIt()
    {
        var (residualAccuracy, residual) = Train(residual: true);
        var (plainAccuracy, plain) = Train(residual: false);
        Assert.IsTrue(residualAccuracy > plainAccuracy + 0.1, $"residual {residualAccuracy:F3} vs plain {plainAccuracy:F3}");

        static double StemToLastConvolution(TrainingReport report)
        {
            var layers = report.Epochs[0].Layers;
            Assert.AreEqual("stem", layers[0].Layer);
            Assert.AreEqual("stage2_block7.conv2", layers[^2].Layer);
            return layers[0].GradientNorm / layers[^2].GradientNorm;
        }
        double plainSpread = StemToLastConvolution(plain), residualSpread = StemToLastConvolution(residual);
        Console.WriteLine($"accuracy: residual {residualAccuracy:F4}, plain {plainAccuracy:F4}; stem / last convolution gradient in epoch 1: " +
                          $"residual {residualSpread:G3}, plain {plainSpread:G3}");
        Assert.IsTrue(plainSpread > 5 * residualSpread, $"stem / last convolution gradient: plain {plainSpread:G3}, residual {residualSpread:G3}");
    }
}
