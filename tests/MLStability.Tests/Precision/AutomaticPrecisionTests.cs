using Microsoft.ML;
using Microsoft.ML.Transforms;
using MLStability.Networks;

namespace MLStability.Tests;

/// <summary>
/// Precision = Auto (the default): bfloat16 steps for an MLP large enough to gain from them on a device with native
/// bfloat16, float32 for everything else. <see cref="BFloat16Support.AssumeNative"/> lets both kinds of processor be
/// tested on any CPU (LibTorch emulates bfloat16 with the same rounding where the CPU lacks it).
/// </summary>
[TestClass]
public sealed class AutomaticPrecisionTests
{
    [TestMethod]
    public void TheRuleTakesBFloat16OnlyForLargeMlpsOnDevicesWithNativeBFloat16()
    {
        long perRow = AutomaticPrecision.MinimumMultiplyAddsPerStep / 128;
        Assert.IsTrue(AutomaticPrecision.PrefersBFloat16(true, NetworkKind.Mlp, perRow, batch: 128));
        Assert.IsFalse(AutomaticPrecision.PrefersBFloat16(true, NetworkKind.Mlp, perRow - 1, batch: 128), "one multiply-add short");
        Assert.IsFalse(AutomaticPrecision.PrefersBFloat16(true, NetworkKind.Mlp, perRow, batch: 64), "the same network on half the batch");
        Assert.IsFalse(AutomaticPrecision.PrefersBFloat16(false, NetworkKind.Mlp, 1L << 30, batch: 128), "emulated bfloat16 is slower");
        foreach (var family in new[] { NetworkKind.ResNet, NetworkKind.Recurrent, NetworkKind.Transformer })
            Assert.IsFalse(AutomaticPrecision.PrefersBFloat16(true, family, 1L << 30, batch: 128), $"{family} was not measured faster");
    }

    [TestMethod]
    public void TheMultiplyAddsOfAnMlpAreItsMatrixWeights()
    {
        var options = new StableDeepOptions { HiddenLayers = 2, HiddenSize = 64, Normalization = NormalizationKind.LayerNorm };
        using var network = NetworkFactory.Create(20, 4, options);
        // Two hidden linears, the head, and the residual projection of the first block (20 inputs to 64); no biases or norms.
        Assert.AreEqual(20 * 64 + 64 * 64 + 64 * 4 + 20 * 64, AutomaticPrecision.MultiplyAddsPerRow(network));
    }

    [TestMethod]
    public void AutoIsTheDefaultAndTrainsTheDigitsMlpInBFloat16OnlyWhereTheDeviceHasIt()
    {
        Assert.AreEqual(PrecisionKind.Auto, new StableDeepOptions().Precision);
        var ml = new MLContext(seed: 1);
        var (train, test) = Digits(ml);
        // 784 x 256 + 256 x 10 weights x 128 rows: 26 M multiply-adds per step, above the rule's 16 M.
        StableDeepOptions Options(PrecisionKind precision) => new()
        {
            HiddenLayers = 1, HiddenSize = 256, BatchSize = 128, Epochs = 1, Seed = 5, Device = "cpu", Precision = precision,
        };
        StableDeepPredictionTransformer native, emulated;
        using (BFloat16Support.AssumeNative(true))
            native = ml.MulticlassClassification.Trainers.StableDeep(Options(PrecisionKind.Auto)).Fit(train);
        using (BFloat16Support.AssumeNative(false))
            emulated = ml.MulticlassClassification.Trainers.StableDeep(Options(PrecisionKind.Auto)).Fit(train);
        var float32 = ml.MulticlassClassification.Trainers.StableDeep(Options(PrecisionKind.Float32)).Fit(train);
        var bfloat16 = ml.MulticlassClassification.Trainers.StableDeep(Options(PrecisionKind.BFloat16)).Fit(train);

        var nativeReport = native.TrainingReport;
        Assert.AreEqual(PrecisionKind.BFloat16, nativeReport.Precision);
        Assert.AreEqual(KernelSelfCheck.LibraryRoute, nativeReport.KernelRoutes.Single(r => r.Family == "BFloat16").Route);
        CollectionAssert.AreEqual(Scores(bfloat16, test), Scores(native, test), "Auto on a native device trains as BFloat16 does");

        var emulatedReport = emulated.TrainingReport;
        Assert.AreEqual(PrecisionKind.Float32, emulatedReport.Precision);
        Assert.IsFalse(emulatedReport.KernelRoutes.Any(r => r.Family == "BFloat16"), "no bfloat16 check where none is used");
        CollectionAssert.AreEqual(Scores(float32, test), Scores(emulated, test), "Auto elsewhere trains as Float32 does");
        Assert.AreEqual(PrecisionKind.Float32, float32.TrainingReport.Precision);
        Assert.AreEqual(PrecisionKind.BFloat16, bfloat16.TrainingReport.Precision);
    }

    [TestMethod]
    public void AutoKeepsASmallTablesMlpInFloat32EvenWhereTheDeviceHasBFloat16()
    {
        var ml = new MLContext(seed: 1);
        var blobs = TestData.Blobs(ml, rows: 300);
        StableDeepOptions Options(PrecisionKind precision) => new() { HiddenLayers = 2, HiddenSize = 64, Epochs = 3, Seed = 5, Precision = precision };
        StableDeepPredictionTransformer automatic;
        using (BFloat16Support.AssumeNative(true))
            automatic = ml.MulticlassClassification.Trainers.StableDeep(Options(PrecisionKind.Auto)).Fit(blobs);
        var float32 = ml.MulticlassClassification.Trainers.StableDeep(Options(PrecisionKind.Float32)).Fit(blobs);
        Assert.AreEqual(PrecisionKind.Float32, automatic.TrainingReport.Precision);
        CollectionAssert.AreEqual(Scores(float32, blobs), Scores(automatic, blobs));
    }

    private static (IDataView Train, IDataView Test) Digits(MLContext ml)
    {
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue);
        var train = TestData.MnistTrain(ml, 1000);
        var keys = toKey.Fit(train);
        return (keys.Transform(train), keys.Transform(TestData.MnistTest(ml, 500)));
    }

    private static float[] Scores(ITransformer model, IDataView data) => TestData.Scores(model.Transform(data)).SelectMany(s => s).ToArray();
}
