namespace MLStability.Tests.Selection;

/// <summary>
/// An automatic HiddenLayers on a small table: the trainer cross-validates a linear model and the MLP on its training
/// rows, weighs their held-out outputs, and trains the linear model, the MLP or both with those weights. Checked on
/// real tables (data/tabular) against ML.NET's SDCA on the same split: on diabetes (nearly linear, noisy) the linear
/// model lifts the MLP to SDCA's R², Boston housing keeps the MLP.
/// </summary>
[TestClass]
public sealed class DepthSelectionTests
{
    /// <summary>The test R² of <paramref name="trainer"/> on a 75/25 split of a table, and the fitted model.</summary>
    private static (double RSquared, T Model) Regression<T>(string file, Func<MLContext, IEstimator<T>> trainer) where T : ITransformer
    {
        var ml = new MLContext(1);
        var split = ml.Data.TrainTestSplit(TestData.Table(ml, file), 0.25, seed: 1);
        var model = trainer(ml).Fit(split.TrainSet);
        return (ml.Regression.Evaluate(model.Transform(split.TestSet)).RSquared, model);
    }

    private static (double RSquared, TrainingReport Report) StableDeep(string file, StableDeepOptions options)
    {
        var (rSquared, model) = Regression(file, ml => ml.Regression.Trainers.StableDeep(options));
        return (rSquared, model.TrainingReport);
    }

    [TestMethod]
    public void ANearlyLinearSmallTableTrainsAsWellAsSdcaWhereTheMlpAloneDoesNot()
    {
        var automatic = StableDeep("diabetes.csv", SmallOptions.Defaults());
        var deep = StableDeep("diabetes.csv", SmallOptions.Defaults(o => o.HiddenLayers = DeepNetworkOptions.AutomaticHiddenLayers));
        var sdca = Regression("diabetes.csv", ml => ml.Transforms.NormalizeMeanVariance("Features").Append(ml.Regression.Trainers.Sdca()));
        var selection = automatic.Report.DepthSelection;
        Console.WriteLine($"diabetes test R²: automatic depth {automatic.RSquared:F4} ({selection}), 4 hidden layers {deep.RSquared:F4}, SDCA {sdca.RSquared:F4}");
        Assert.IsNotNull(selection);
        Assert.IsTrue(selection.LinearModelLoss < selection.NetworkLoss);
        Assert.IsTrue(selection.LinearWeight > 0, $"the linear model takes part: {selection}");
        Assert.IsTrue(selection.CombinedLoss <= selection.LinearModelLoss, selection.ToString());
        Assert.IsTrue(automatic.RSquared >= sdca.RSquared - 0.02, $"automatic {automatic.RSquared:F4} vs SDCA {sdca.RSquared:F4}");
        Assert.IsTrue(automatic.RSquared > deep.RSquared + 0.02, $"automatic {automatic.RSquared:F4} vs 4 hidden layers {deep.RSquared:F4}: the choice must matter");
        Assert.IsNull(deep.Report.DepthSelection, "a HiddenLayers the user set is trained as set");
    }

    [TestMethod]
    public void ASmallTableThatNeedsDepthKeepsTheNetwork()
    {
        var automatic = StableDeep("boston.csv", SmallOptions.Defaults());
        var selection = automatic.Report.DepthSelection;
        Console.WriteLine($"Boston housing test R²: {automatic.RSquared:F4} ({selection})");
        Assert.IsNotNull(selection);
        Assert.AreEqual(DeepNetworkOptions.AutomaticHiddenLayers, selection.HiddenLayers, selection.ToString());
        Assert.IsTrue(selection.NetworkLoss < selection.LinearModelLoss);
        Assert.IsTrue(selection.NetworkWeight > selection.LinearWeight, selection.ToString());
        Assert.AreEqual(1 + DepthSelection.CrossValidationFolds, selection.NetworkMembers, "the MLP is averaged with the fold MLPs");
        StringAssert.Contains(selection.ToString(), $"the mean of {1 + DepthSelection.CrossValidationFolds} networks");
        Assert.IsTrue(automatic.RSquared > 0.75, $"R² {automatic.RSquared:F4}");
        Assert.AreEqual(NumericEmbeddingKind.Periodic, selection.NetworkEmbedding);
        CollectionAssert.AreEqual(new[] { "embedding", "block0", "block1", "block2", "block3", "head" },
            automatic.Report.Epochs[^1].Layers.Select(l => l.Layer).ToArray(), "the embedded MLP that won is the one trained");
    }

    [TestMethod]
    public void TheSelectionSeesOnlyTheTrainingRowsAndIsDeterministic()
    {
        var ml = new MLContext(1);
        var data = TestData.Table(ml, "iris.csv");
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label");
        var first = pipeline.Append(ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Defaults(o => o.ValidationFraction = 0.2f))).Fit(data);
        var again = pipeline.Append(ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Defaults(o => o.ValidationFraction = 0.2f))).Fit(data);
        var selection = first.LastTransformer.TrainingReport.DepthSelection!;
        Console.WriteLine($"iris: {selection}");
        Assert.AreEqual(120, selection.Rows, "the 30 validation rows stay out of the folds");
        Assert.AreEqual(DepthSelection.CrossValidationFolds, selection.Folds);
        Assert.AreEqual(selection, again.LastTransformer.TrainingReport.DepthSelection);
        CollectionAssert.AreEqual(TestData.Scores(first.Transform(data)).SelectMany(s => s).ToArray(),
            TestData.Scores(again.Transform(data)).SelectMany(s => s).ToArray());
    }

    [TestMethod]
    public void LargeTablesAndOtherFamiliesAreNotCrossValidated()
    {
        Assert.IsFalse(DepthSelector.Applies(new DeepNetworkOptions(), DepthSelection.MaximumRows + 1));
        Assert.IsTrue(DepthSelector.Applies(new DeepNetworkOptions(), DepthSelection.MaximumRows));
        Assert.IsFalse(DepthSelector.Applies(new DeepNetworkOptions { HiddenLayers = 4 }, 500));
        Assert.IsFalse(DepthSelector.Applies(new DeepNetworkOptions { HiddenLayerSizes = new[] { 64 } }, 500));
        Assert.IsFalse(DepthSelector.Applies(new DeepNetworkOptions { Network = NetworkKind.ResNet, InputShape = new[] { 1, 8, 8 } }, 500));

        var ml = new MLContext(1);
        var model = ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Defaults(o => o.Epochs = 1))
            .Fit(TestData.Blobs(ml, DepthSelection.MaximumRows + 1));
        Assert.IsNull(model.TrainingReport.DepthSelection);
        Assert.AreEqual(DeepNetworkOptions.AutomaticHiddenLayers + 1, model.TrainingReport.Epochs[^1].Layers.Count);
    }

    [TestMethod]
    public void ALinearModelGetsItsOwnLearningRate()
    {
        Assert.AreEqual(DeepNetworkOptions.LinearModelLearningRate, new DeepNetworkOptions { HiddenLayers = 0 }.EffectiveLearningRate);
        Assert.AreEqual(DeepNetworkOptions.LinearModelLearningRate, new DeepNetworkOptions { HiddenLayerSizes = Array.Empty<int>() }.EffectiveLearningRate);
        Assert.AreEqual(1e-3f, new DeepNetworkOptions().EffectiveLearningRate);
        Assert.AreEqual(0.05f, new DeepNetworkOptions { HiddenLayers = 0, LearningRate = 0.05f }.EffectiveLearningRate, "an explicit rate wins");

        // Iris, 5-fold: the linear model at a deep network's 1e-3 stays far from its optimum in its 500 steps.
        var ml = new MLContext(1);
        var data = TestData.Table(ml, "iris.csv");
        double Accuracy(float? learningRate) => ml.MulticlassClassification.CrossValidate(data, ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Defaults(o => { o.HiddenLayers = 0; o.LearningRate = learningRate; }))), 5)
            .Average(f => f.Metrics.MicroAccuracy);
        double own = Accuracy(null), deepRate = Accuracy(1e-3f);
        Console.WriteLine($"iris 5-fold MicroAccuracy of a linear model: its own rate {own:F4}, 1e-3 {deepRate:F4}");
        Assert.IsTrue(own >= 0.95, $"{own:F4}");
        Assert.IsTrue(own > deepRate + 0.1, $"{own:F4} vs {deepRate:F4}");
    }
}
