namespace MLStability.Tests.Defaults;

/// <summary>
/// The default trainers on real, unscaled public tables (data/tabular), against ML.NET's own trainers on the same
/// split: features from 0.1 to 1,680 and targets in dollars train as well as scaled ones, and Score stays in the
/// user's units.
/// </summary>
[TestClass]
public sealed class RealTablesTests
{
    /// <summary>Wine: 13 features from 0.13 to 1,680 (proline), 178 rows, 3 classes.</summary>
    private static double WineAccuracy(IEstimator<ITransformer> trainer, bool normalize = false)
    {
        var ml = new MLContext(1);
        var split = ml.Data.TrainTestSplit(TestData.Table(ml, "wine.csv"), 0.3, seed: 1);
        IEstimator<ITransformer> pipeline = ml.Transforms.Conversion.MapValueToKey("Label");
        if (normalize)
            pipeline = pipeline.Append(ml.Transforms.NormalizeMeanVariance("Features"));
        var model = pipeline.Append(trainer).Fit(split.TrainSet);
        return ml.MulticlassClassification.Evaluate(model.Transform(split.TestSet)).MicroAccuracy;
    }

    [TestMethod]
    public void UnscaledFeaturesTrainAsWellAsMLNetsOwnTrainerOnNormalizedOnes()
    {
        var ml = new MLContext(1);
        double deep = WineAccuracy(ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Defaults()));
        // The 4-layer MLP without the periodic embedding: the network that raw features starting at 0.13 and 1,680 derail.
        double unscaled = WineAccuracy(ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Defaults(o =>
        {
            o.FeatureScaling = FeatureScalingKind.None;
            o.HiddenLayers = DeepNetworkOptions.AutomaticHiddenLayers;
            o.NumericEmbedding = NumericEmbeddingKind.None;
        })));
        double sdca = WineAccuracy(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(), normalize: true);
        Console.WriteLine($"wine test accuracy: StableDeep {deep:F4}, without feature scaling {unscaled:F4}, SdcaMaximumEntropy (normalized) {sdca:F4}");
        Assert.IsTrue(deep >= sdca - 0.02, $"StableDeep {deep:F4} vs SDCA {sdca:F4}");
        Assert.IsTrue(unscaled < deep - 0.1, $"without scaling {unscaled:F4}: the option must matter on unscaled data");
    }

    private static (double RSquared, double MeanScore, double MeanLabel) BostonRegression(StableDeepOptions options, float targetScale)
    {
        var ml = new MLContext(1);
        var data = TestData.Table(ml, "boston.csv");
        data = ml.Transforms.CustomMapping((LabelRow input, LabelRow output) => output.Label = input.Label * targetScale, contractName: null)
            .Fit(data).Transform(data);
        var split = ml.Data.TrainTestSplit(data, 0.25, seed: 1);
        var scored = ml.Regression.Trainers.StableDeep(options).Fit(split.TrainSet).Transform(split.TestSet);
        return (ml.Regression.Evaluate(scored).RSquared, scored.GetColumn<float>("Score").Average(), scored.GetColumn<float>("Label").Average());
    }

    private sealed class LabelRow
    {
        public float Label { get; set; }
    }

    [TestMethod]
    public void TargetsInThousandsOfDollarsOrInDollarsTrainAlikeAndScoreInTheUsersUnits()
    {
        // The default MLP without the small table's automatic depth: the target's units concern every depth, and the
        // depth's cross-validation would train each of these three fits sixteen times.
        static StableDeepOptions Mlp(bool standardize = true) => SmallOptions.Defaults(o =>
        {
            o.HiddenLayers = DeepNetworkOptions.AutomaticHiddenLayers;
            o.StandardizeTargets = standardize;
        });
        var thousands = BostonRegression(Mlp(), 1);
        var dollars = BostonRegression(Mlp(), 1000);
        var raw = BostonRegression(Mlp(standardize: false), 1000);
        Console.WriteLine($"Boston housing R²: $1000s {thousands.RSquared:F4}, $ {dollars.RSquared:F4}, $ without target standardization {raw.RSquared:F4}");
        Assert.IsTrue(thousands.RSquared > 0.75, $"R² {thousands.RSquared:F4}");
        Assert.AreEqual(thousands.RSquared, dollars.RSquared, 0.03, "the units of the target do not matter");
        Assert.AreEqual(dollars.MeanLabel, dollars.MeanScore, 0.1 * dollars.MeanLabel, "Score is in dollars");
        Assert.IsTrue(raw.RSquared < dollars.RSquared - 0.3, $"without target standardization R² {raw.RSquared:F4}: the option must matter");
    }
}
