namespace MLStability.Tests.Trainers;

/// <summary>
/// mlContext.Regression.Trainers.StableDeep and mlContext.BinaryClassification.Trainers.StableDeep: better than SDCA
/// on problems a linear model cannot fit, and everything ML.NET promises (Evaluate, CrossValidate, PredictionEngine,
/// Model.Save/Load, schema errors).
/// </summary>
[TestClass]
public sealed class RegressionAndBinaryTests
{
    private static StableDeepOptions Options(int epochs = 30) => new()
    {
        HiddenLayers = 3, HiddenSize = 64, Epochs = epochs, BatchSize = 64, WarmupSteps = 20, Dropout = 0,
        LearningRate = 3e-3f, Seed = 2, Device = SmallOptions.Device,
    };

    [TestMethod]
    public void TheRegressorBeatsSdcaOnANonlinearProblem()
    {
        var ml = new MLContext(seed: 1);
        var train = NonlinearData.Regression(ml, 2000, seed: 1);
        var test = NonlinearData.Regression(ml, 500, seed: 2);
        var deep = ml.Regression.Evaluate(ml.Regression.Trainers.StableDeep(Options()).Fit(train).Transform(test));
        var sdca = ml.Regression.Evaluate(ml.Regression.Trainers.Sdca().Fit(train).Transform(test));
        Console.WriteLine($"R^2: StableDeep {deep.RSquared:F4}, SDCA {sdca.RSquared:F4}");
        Assert.IsTrue(deep.RSquared > 0.9, $"StableDeep R^2 {deep.RSquared:F4}");
        Assert.IsTrue(deep.RSquared > sdca.RSquared + 0.3, $"StableDeep {deep.RSquared:F4} vs SDCA {sdca.RSquared:F4}");
    }

    [TestMethod]
    public void TheBinaryClassifierBeatsSdcaOnANonlinearProblem()
    {
        var ml = new MLContext(seed: 1);
        var train = NonlinearData.Binary(ml, 2000, seed: 1);
        var test = NonlinearData.Binary(ml, 500, seed: 2);
        var deep = ml.BinaryClassification.Evaluate(ml.BinaryClassification.Trainers.StableDeep(Options()).Fit(train).Transform(test));
        var sdca = ml.BinaryClassification.Evaluate(ml.BinaryClassification.Trainers.SdcaLogisticRegression().Fit(train).Transform(test));
        Console.WriteLine($"AUC: StableDeep {deep.AreaUnderRocCurve:F4}, SDCA {sdca.AreaUnderRocCurve:F4}; StableDeep accuracy {deep.Accuracy:F4}, log-loss {deep.LogLoss:F4}");
        Assert.IsTrue(deep.AreaUnderRocCurve > 0.85, $"StableDeep AUC {deep.AreaUnderRocCurve:F4}");
        Assert.IsTrue(deep.AreaUnderRocCurve > sdca.AreaUnderRocCurve + 0.2, $"StableDeep {deep.AreaUnderRocCurve:F4} vs SDCA {sdca.AreaUnderRocCurve:F4}");
    }

    [TestMethod]
    public void OutputColumnsMatchMLNetsOwnTrainers()
    {
        var ml = new MLContext(seed: 1);
        var regression = NonlinearData.Regression(ml, 100, seed: 1);
        var scored = ml.Regression.Trainers.StableDeep(Options(epochs: 1)).Fit(regression).Transform(regression);
        Assert.AreEqual(NumberDataViewType.Single, scored.Schema["Score"].Type);

        var binary = NonlinearData.Binary(ml, 100, seed: 1);
        var model = ml.BinaryClassification.Trainers.StableDeep(Options(epochs: 1)).Fit(binary);
        var binaryScored = model.Transform(binary);
        Assert.AreEqual(NumberDataViewType.Single, binaryScored.Schema["Score"].Type);
        Assert.AreEqual(NumberDataViewType.Single, binaryScored.Schema["Probability"].Type);
        Assert.AreEqual(BooleanDataViewType.Instance, binaryScored.Schema["PredictedLabel"].Type);
        var scores = binaryScored.GetColumn<float>("Score").ToArray();
        var probabilities = binaryScored.GetColumn<float>("Probability").ToArray();
        var predicted = binaryScored.GetColumn<bool>("PredictedLabel").ToArray();
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.AreEqual(1 / (1 + Math.Exp(-scores[i])), probabilities[i], 1e-6);
            Assert.AreEqual(scores[i] > 0, predicted[i]);
        }
        var sdcaSchema = ml.BinaryClassification.Trainers.SdcaLogisticRegression().Fit(binary).Transform(binary).Schema;
        foreach (string column in new[] { "Score", "Probability", "PredictedLabel" })
        {
            var ours = binaryScored.Schema[column].Annotations.Schema.Select(a => a.Name).Where(n => n.StartsWith("Score")).OrderBy(n => n);
            var theirs = sdcaSchema[column].Annotations.Schema.Select(a => a.Name).Where(n => n.StartsWith("Score")).OrderBy(n => n);
            CollectionAssert.AreEqual(theirs.ToArray(), ours.ToArray(), column);
        }
    }

    [TestMethod]
    public void CrossValidateAndPredictionEngineWork()
    {
        var ml = new MLContext(seed: 1);
        var regression = NonlinearData.Regression(ml, 300, seed: 3);
        var folds = ml.Regression.CrossValidate(regression, ml.Regression.Trainers.StableDeep(Options(epochs: 5)), numberOfFolds: 2);
        Assert.AreEqual(2, folds.Count);
        Assert.IsTrue(folds.All(f => double.IsFinite(f.Metrics.RSquared)));

        var binary = NonlinearData.Binary(ml, 300, seed: 3);
        var binaryFolds = ml.BinaryClassification.CrossValidate(binary, ml.BinaryClassification.Trainers.StableDeep(Options(epochs: 5)), numberOfFolds: 2);
        Assert.IsTrue(binaryFolds.All(f => f.Metrics.AreaUnderRocCurve > 0.5));

        var model = ml.BinaryClassification.Trainers.StableDeep(Options(epochs: 5)).Fit(binary);
        var engine = ml.Model.CreatePredictionEngine<NonlinearData.BinaryRow, BinaryPrediction>(model);
        var rows = ml.Data.CreateEnumerable<NonlinearData.BinaryRow>(binary, reuseRowObject: false).Take(20).ToArray();
        var batch = model.Transform(binary).GetColumn<float>("Probability").Take(20).ToArray();
        for (int i = 0; i < rows.Length; i++)
            Assert.AreEqual(batch[i], engine.Predict(rows[i]).Probability, 1e-6f);
    }

    [TestMethod]
    public void SavedRegressionAndBinaryModelsLoadAndScoreTheSame()
    {
        var ml = new MLContext(seed: 1);
        var regression = NonlinearData.Regression(ml, 300, seed: 4);
        ITransformer regressor = ml.Regression.Trainers.StableDeep(Options(epochs: 5)).Fit(regression);
        var binary = NonlinearData.Binary(ml, 300, seed: 4);
        ITransformer classifier = ml.BinaryClassification.Trainers.StableDeep(Options(epochs: 5)).Fit(binary);

        var loadedRegressor = SaveAndLoadInAFreshContext(ml, regressor, regression);
        AssertSameColumn<float>(regressor, loadedRegressor, regression, "Score");
        var fresh = new MLContext();
        Assert.AreEqual(ml.Regression.Evaluate(regressor.Transform(regression)).RSquared,
            fresh.Regression.Evaluate(loadedRegressor.Transform(regression)).RSquared, 1e-5);

        var loadedClassifier = SaveAndLoadInAFreshContext(ml, classifier, binary);
        AssertSameColumn<float>(classifier, loadedClassifier, binary, "Score");
        AssertSameColumn<float>(classifier, loadedClassifier, binary, "Probability");
        CollectionAssert.AreEqual(classifier.Transform(binary).GetColumn<bool>("PredictedLabel").ToArray(),
            loadedClassifier.Transform(binary).GetColumn<bool>("PredictedLabel").ToArray());
        Assert.AreEqual(ml.BinaryClassification.Evaluate(classifier.Transform(binary)).AreaUnderRocCurve,
            fresh.BinaryClassification.Evaluate(loadedClassifier.Transform(binary)).AreaUnderRocCurve, 1e-6);
    }

    private static ITransformer SaveAndLoadInAFreshContext(MLContext ml, ITransformer model, IDataView data)
    {
        string path = Path.Combine(Path.GetTempPath(), "mlstability-tests", Guid.NewGuid().ToString("N") + ".zip");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ml.Model.Save(model, data.Schema, path);
        return new MLContext().Model.LoadVerified(path, out _);
    }

    private static void AssertSameColumn<T>(ITransformer before, ITransformer after, IDataView data, string column) where T : IConvertible
    {
        var expected = before.Transform(data).GetColumn<T>(column).ToArray();
        var actual = after.Transform(data).GetColumn<T>(column).ToArray();
        Assert.AreEqual(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i].ToDouble(null), actual[i].ToDouble(null), 1e-5, $"{column}, row {i}");
    }

    [TestMethod]
    public void LabelsOfTheWrongTypeAreSchemaErrorsBeforeTraining()
    {
        var ml = new MLContext(seed: 1);
        var binaryData = NonlinearData.Binary(ml, 50, seed: 1);
        var regressionData = NonlinearData.Regression(ml, 50, seed: 1);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Regression.Trainers.StableDeep(Options(1)).Fit(binaryData));
        StringAssert.Contains(error.Message, "the label column 'Label' must be Single for regression, but it is Boolean");
        error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.StableDeep(Options(1)).Fit(regressionData));
        StringAssert.Contains(error.Message, "must be Boolean for binary classification, but it is Single");
        // In a pipeline, GetOutputSchema rejects it before anything is read or trained.
        var pipeline = ml.Transforms.CopyColumns("Copy", "Features").Append(ml.Regression.Trainers.StableDeep(Options(1)));
        error = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.GetOutputSchema(Shapes.Of(binaryData.Schema)));
        StringAssert.Contains(error.Message, "must be Single for regression");
    }

    [TestMethod]
    public void BinaryTrainingNeedsBothClassesAndRegressionLabelsMustBeFinite()
    {
        var ml = new MLContext(seed: 1);
        var onlyTrue = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 20).Select(i => new NonlinearData.BinaryRow { Label = true, Features = new float[8] }));
        var error = Assert.Throws<ArgumentException>(() => ml.BinaryClassification.Trainers.StableDeep(Options(1)).Fit(onlyTrue));
        StringAssert.Contains(error.Message, "is true in every training row");

        var infinite = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 20).Select(i => new NonlinearData.RegressionRow { Label = i == 7 ? float.PositiveInfinity : 1, Features = new float[8] }));
        var invalid = Assert.Throws<InvalidOperationException>(() => ml.Regression.Trainers.StableDeep(Options(1)).Fit(infinite));
        StringAssert.Contains(invalid.Message, "holds ∞ at row 7");
    }

    [TestMethod]
    public void TheLossAndTheClassWeightChangeTraining()
    {
        var ml = new MLContext(seed: 1);
        var regression = NonlinearData.Regression(ml, 200, seed: 5);
        float[] Regress(Action<StableDeepOptions> change)
        {
            var options = Options(epochs: 3);
            change(options);
            return ml.Regression.Trainers.StableDeep(options).Fit(regression).Transform(regression).GetColumn<float>("Score").ToArray();
        }
        var squared = Regress(_ => { });
        var huber = Regress(o => o.RegressionLoss = RegressionLossKind.Huber);
        var narrowHuber = Regress(o => { o.RegressionLoss = RegressionLossKind.Huber; o.HuberDelta = 0.1f; });
        CollectionAssert.AreNotEqual(squared, huber);
        CollectionAssert.AreNotEqual(huber, narrowHuber);

        // Rare positives: weighting them raises the share of rows predicted true.
        var imbalanced = NonlinearData.Binary(ml, 600, seed: 5, positiveFraction: 0.15);
        double PredictedTrue(float weight)
        {
            var options = Options(epochs: 10);
            options.PositiveClassWeight = weight;
            return ml.BinaryClassification.Trainers.StableDeep(options).Fit(imbalanced).Transform(imbalanced)
                .GetColumn<bool>("PredictedLabel").Average(p => p ? 1.0 : 0.0);
        }
        double plain = PredictedTrue(1), weighted = PredictedTrue(5);
        Console.WriteLine($"predicted true: weight 1 {plain:F3}, weight 5 {weighted:F3}");
        Assert.IsTrue(weighted > plain + 0.05, $"weight 1: {plain:F3}, weight 5: {weighted:F3}");
    }

    private sealed class BinaryPrediction
    {
        public float Probability { get; set; }
    }
}
