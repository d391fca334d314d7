using Microsoft.ML.Transforms;

namespace MLStability.Tests.Trainers;

/// <summary>
/// StableDeep with a ResNet over the digits as 1 x 28 x 28 images and with recurrent networks over the digits as 28
/// rows of 28 pixels (sequential MNIST, by recurrent networks and by a Transformer): accuracy on real digits, save/load round trips, and clear shape errors.
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
    public void ATransformerLearnsDigitRowsReportsItsAttentionAndSurvivesSaveAndLoad()
    {
        var ml = new MLContext(seed: 1);
        var options = new StableDeepOptions { Network = NetworkKind.Transformer, InputShape = new[] { 28, 28 }, TransformerLayers = 2, ModelWidth = 32, Epochs = 6 };
        var (model, train, test, accuracy) = FitOnDigits(ml, options, rows: 2000);
        Console.WriteLine($"Transformer accuracy {accuracy:F4}");
        Assert.IsTrue(accuracy >= 0.8, $"Transformer accuracy {accuracy:F4}"); // 0.85 on this seed; the full-size bar (0.97) is the sample's
        RoundTrip.AssertLoadedModelScoresTheSame(ml, model, train.Schema, test);

        var report = ((IEnumerable<ITransformer>)model).OfType<StableDeepTransformer>().Single().TrainingReport;
        Assert.AreEqual(GradientHealthVerdict.Healthy, report.Verdict, report.ToString());
        var layers = report.Epochs[^1].Layers;
        CollectionAssert.AreEqual(new[] { "tokens", "block0.attention", "block0.mlp", "block1.attention", "block1.mlp", "head" }, layers.Select(l => l.Layer).ToArray());
        foreach (var attention in layers.Where(l => l.Layer.EndsWith(".attention")))
            Assert.IsTrue(attention.AttentionEntropy is > VerdictRules.CollapsedAttentionEntropy and <= 1, $"{attention.Layer}: {attention.AttentionEntropy}");
        Assert.IsTrue(layers.Where(l => !l.Layer.EndsWith(".attention")).All(l => l.AttentionEntropy == null));
        StringAssert.Contains(report.ToMarkdown(), "attn entropy");
        Assert.IsTrue(report.KernelRoutes.Any(r => r.Family == "Attention"), "the attention kernels were not self-checked");
    }

    [TestMethod]
    public void ADivergingTransformerIsRolledBackToAFiniteModel()
    {
        // Post-norm without normalization is a plain residual stack: with N(0, 1) weights and SGD at 1, the scores
        // and the attention logits blow up within a few steps.
        var ml = new MLContext(seed: 1);
        var data = TestData.Blobs(ml, rows: 240);
        var options = new StableDeepOptions
        {
            Network = NetworkKind.Transformer, ModelWidth = 16, AttentionHeads = 2, Normalization = NormalizationKind.None,
            Initialization = InitializationKind.StandardNormal, Optimizer = OptimizerKind.Sgd, LearningRate = 1, WarmupSteps = 0,
            GradientClipping = GradientClippingKind.None, Epochs = 3, BatchSize = 16, Seed = 2, Device = SmallOptions.Device,
        };
        var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(data);
        Assert.IsTrue(model.TrainingReport.Events.Any(e => e.Action == InstabilityPolicy.Rollback), model.TrainingReport.ToString());
        Assert.IsTrue(TestData.Scores(model.Transform(data)).SelectMany(s => s).All(float.IsFinite), "rolled back to a finite model");
    }

    [TestMethod]
    [DataRow(6, 4, "AttentionHeads = 4 must divide ModelWidth = 6")]
    [DataRow(8, 2, "DeepNorm scales the residual path")]
    public void TransformerOptionsThatCannotBuildAreClearErrors(int width, int heads, string expected)
    {
        var options = new StableDeepOptions { Network = NetworkKind.Transformer, ModelWidth = width, AttentionHeads = heads };
        if (width == 8)
        {
            options.NormalizationPlacement = NormalizationPlacement.DeepNorm;
            options.Normalization = NormalizationKind.None;
        }
        var error = Assert.Throws<ArgumentException>(() => new MLContext().MulticlassClassification.Trainers.StableDeep(options));
        StringAssert.Contains(error.Message, expected);
    }

    [TestMethod]
    public void NormalizationPlacementIsForTransformers()
    {
        var options = new StableDeepOptions { NormalizationPlacement = NormalizationPlacement.PostNorm };
        var error = Assert.Throws<ArgumentException>(() => new MLContext().MulticlassClassification.Trainers.StableDeep(options));
        StringAssert.Contains(error.Message, "for Network = Mlp use PreNormalization");
        options = new StableDeepOptions { Network = NetworkKind.Transformer, InputShape = new[] { 2, 2, 2 } };
        error = Assert.Throws<ArgumentException>(() => new MLContext().MulticlassClassification.Trainers.StableDeep(options));
        StringAssert.Contains(error.Message, "must be [T, F]");
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
    public void RecurrentNetworksAndTransformersRejectBatchNormalization()
    {
        foreach (var options in new[] { StableDeepOptions.ForSequences(28, 28), new StableDeepOptions { Network = NetworkKind.Transformer } })
        {
            options.Normalization = NormalizationKind.BatchNorm;
            var error = Assert.Throws<ArgumentException>(() => new MLContext().MulticlassClassification.Trainers.StableDeep(options));
            StringAssert.Contains(error.Message, "use LayerNorm, RmsNorm or None");
        }
    }
}
