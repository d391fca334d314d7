using Microsoft.ML.Trainers;

namespace MLStability.Tests;

/// <summary>
/// The ML.NET idioms users rely on with any trainer: <c>ITrainerEstimator</c> with <c>Info</c>,
/// <c>model.LastTransformer.Model</c>, and permutation feature importance over the fitted predictor.
/// </summary>
[TestClass]
public sealed class MlNetConventionsTests
{
    [TestMethod]
    public void TrainersAreTrainerEstimatorsThatNeedNoNormalizationOrCaching()
    {
        var ml = new MLContext(seed: 1);
        var trainers = new object[]
        {
            ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Trainer()),
            ml.BinaryClassification.Trainers.StableDeep(SmallOptions.Trainer()),
            ml.Regression.Trainers.StableDeep(SmallOptions.Trainer()),
        };
        Assert.IsInstanceOfType<ITrainerEstimator<StableDeepTransformer, StableDeepModelParameters>>(trainers[0]);
        Assert.IsInstanceOfType<ITrainerEstimator<StableDeepBinaryTransformer, StableDeepModelParameters>>(trainers[1]);
        Assert.IsInstanceOfType<ITrainerEstimator<StableDeepRegressionTransformer, StableDeepModelParameters>>(trainers[2]);
        foreach (var info in trainers.Select(t => ((dynamic)t).Info).Cast<TrainerInfo>())
        {
            Assert.IsFalse(info.NeedNormalization, "features are scaled inside the model");
            Assert.IsFalse(info.WantCaching, "the data is read once");
        }
    }

    [TestMethod]
    public void LastTransformerModelDescribesTheTrainedNetwork()
    {
        var ml = new MLContext(seed: 1);
        var data = NonlinearData.Binary(ml, rows: 400, seed: 3);
        var options = SmallOptions.Trainer(epochs: 2);
        var model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.StableDeep(options))
            .Fit(data);

        StableDeepModelParameters parameters = model.LastTransformer.Model;
        Assert.AreEqual(NonlinearData.FeatureCount, parameters.FeatureCount);
        Assert.AreEqual(2, parameters.OutputCount, "two classes");
        // Two hidden layers of 32: 8x32 + 32 and the residual shortcut's bias-free 8x32 projection (block 0), 32x32 + 32
        // (block 1), three layer norms of 2 x 32 (one per block, one before the head), and the 32x2 + 2 head.
        Assert.AreEqual(8 * 32 + 32 + 8 * 32 + 32 * 32 + 32 + 3 * 2 * 32 + 32 * 2 + 2, parameters.ParameterCount);
        Assert.AreEqual(2, parameters.TrainingHistory.Count);
        Assert.AreEqual(options.Epochs, parameters.TrainingOptions.Epochs);
        Assert.AreSame(model.LastTransformer.TrainingReport, parameters.TrainingReport);
        Assert.AreEqual("Features", model.LastTransformer.FeatureColumnName);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, NonlinearData.FeatureCount), model.LastTransformer.FeatureColumnType);
    }

    [TestMethod]
    public void PermutationFeatureImportanceRanksTheFeaturesTheRegressionTargetUses()
    {
        // y = sin(3 x0) + x1^2 - x2 x3 + 0.5 |x4| + noise: x5, x6 and x7 are not used.
        var ml = new MLContext(seed: 1);
        var data = NonlinearData.Regression(ml, rows: 1500, seed: 5);
        var model = ml.Regression.Trainers.StableDeep(ImportanceOptions()).Fit(data);

        var importance = ml.Regression.PermutationFeatureImportance(model, model.Transform(data), permutationCount: 2);

        double[] drops = importance.Select(m => m.RSquared.Mean).ToArray(); // R² after permuting minus R² before: negative
        Assert.AreEqual(NonlinearData.FeatureCount, drops.Length);
        double smallestUsed = drops.Take(2).Max(), largestUnused = drops.Skip(5).Min();
        Assert.IsTrue(smallestUsed < -0.1, $"permuting x0 or x1 must cost R²: {string.Join(", ", drops.Select(d => d.ToString("F3")))}");
        Assert.IsTrue(largestUnused > -0.05, $"permuting x5..x7 must cost almost nothing: {string.Join(", ", drops.Select(d => d.ToString("F3")))}");
    }

    [TestMethod]
    public void PermutationFeatureImportanceWorksForBinaryAndMulticlassPredictors()
    {
        // Label = x0 x1 > 0 (10% flipped): only x0 and x1 carry information.
        var ml = new MLContext(seed: 1);
        var data = NonlinearData.Binary(ml, rows: 1200, seed: 7);
        var options = ImportanceOptions();

        var binary = ml.BinaryClassification.Trainers.StableDeep(options).Fit(data);
        var binaryImportance = ml.BinaryClassification.PermutationFeatureImportance(binary, binary.Transform(data));
        AssertOnlyTheFirstTwoMatter(binaryImportance.Select(m => m.AreaUnderRocCurve.Mean).ToArray(), "AUC");

        var multiclass = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.MulticlassClassification.Trainers.StableDeep(options)).Fit(data);
        var multiclassImportance = ml.MulticlassClassification.PermutationFeatureImportance(multiclass.LastTransformer, multiclass.Transform(data));
        AssertOnlyTheFirstTwoMatter(multiclassImportance.Select(m => m.MicroAccuracy.Mean).ToArray(), "MicroAccuracy");
    }

    /// <summary>Long and wide enough for the network to find the informative features.</summary>
    private static StableDeepOptions ImportanceOptions()
    {
        var options = SmallOptions.Trainer(epochs: 30);
        options.HiddenSize = 64;
        return options;
    }

    private static void AssertOnlyTheFirstTwoMatter(double[] drops, string metric)
    {
        string all = string.Join(", ", drops.Select(d => d.ToString("F3")));
        Assert.IsTrue(drops.Take(2).Max() < -0.15, $"permuting x0 or x1 must cost {metric}: {all}");
        Assert.IsTrue(drops.Skip(2).Min() > -0.05, $"permuting x2..x7 must cost almost nothing: {all}");
    }
}
