namespace MLStability.Tests.Defaults;

/// <summary>Setting the network family alone gives the family's defaults: the presets are the same options.</summary>
[TestClass]
public sealed class FamilyDefaultsTests
{
    [TestMethod]
    public void EachFamilyHasItsOwnNormalizationAndLearningRate()
    {
        Assert.AreEqual(NormalizationKind.LayerNorm, new DeepNetworkOptions().EffectiveNormalization);
        Assert.AreEqual(1e-3f, new DeepNetworkOptions().EffectiveLearningRate);
        var resnet = new DeepNetworkOptions { Network = NetworkKind.ResNet };
        Assert.AreEqual(NormalizationKind.BatchNorm, resnet.EffectiveNormalization);
        Assert.AreEqual(0.01f, resnet.EffectiveLearningRate);
        var recurrent = new DeepNetworkOptions { Network = NetworkKind.Recurrent };
        Assert.AreEqual(NormalizationKind.LayerNorm, recurrent.EffectiveNormalization);
        Assert.AreEqual(0.003f, recurrent.EffectiveLearningRate);
        Assert.AreEqual(NormalizationKind.GroupNorm, new DeepNetworkOptions { Network = NetworkKind.ResNet, Normalization = NormalizationKind.GroupNorm }.EffectiveNormalization,
            "an explicit choice wins");
        var transformer = new DeepNetworkOptions { Network = NetworkKind.Transformer };
        Assert.AreEqual(NormalizationKind.LayerNorm, transformer.EffectiveNormalization);
        Assert.AreEqual(0.003f, transformer.EffectiveLearningRate);
        Assert.AreEqual(NormalizationPlacement.DeepNorm, transformer.EffectiveNormalizationPlacement);
        Assert.AreEqual(NormalizationPlacement.PreNorm, new DeepNetworkOptions { Network = NetworkKind.Transformer, PreNormalization = true }.EffectiveNormalizationPlacement);
        Assert.AreEqual(NormalizationPlacement.PostNorm, new DeepNetworkOptions { Network = NetworkKind.Transformer, Normalization = NormalizationKind.None }.EffectiveNormalizationPlacement,
            "DeepNorm needs a normalization: without one the blocks are plain residual sums");
        Assert.AreEqual(NormalizationPlacement.PostNorm, new DeepNetworkOptions { Network = NetworkKind.Transformer, ResidualConnections = false }.EffectiveNormalizationPlacement);
    }

    [TestMethod]
    public void SettingTheNetworkAloneTrainsTheImagePreset()
    {
        var ml = new MLContext(1);
        var data = TestData.MnistTrain(ml, 300);
        float[] Scores(StableDeepOptions options)
        {
            options.Epochs = 1;
            options.ResNetChannels = new[] { 4, 8 };
            options.Seed = 5;
            options.Device = SmallOptions.Device;
            var model = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.MulticlassClassification.Trainers.StableDeep(options)).Fit(data);
            return TestData.Scores(model.Transform(data)).SelectMany(s => s).ToArray();
        }
        var alone = Scores(new StableDeepOptions { Network = NetworkKind.ResNet, InputShape = new[] { 1, 28, 28 } });
        var preset = Scores(StableDeepOptions.ForImages(1, 28, 28));
        var withLayerNorm = Scores(new StableDeepOptions { Network = NetworkKind.ResNet, InputShape = new[] { 1, 28, 28 }, Normalization = NormalizationKind.LayerNorm, LearningRate = 1e-3f });
        CollectionAssert.AreEqual(preset, alone);
        CollectionAssert.AreNotEqual(preset, withLayerNorm);
    }
}
