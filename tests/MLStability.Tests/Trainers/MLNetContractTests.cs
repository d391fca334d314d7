using Microsoft.ML.Transforms;

namespace MLStability.Tests.Trainers;

/// <summary>What ML.NET users rely on: schema propagation, Evaluate, CrossValidate, PredictionEngine, Preview.</summary>
[TestClass]
public sealed class MLNetContractTests
{
    private static readonly MLContext Ml = new(seed: 1);
    private static IDataView digits = null!;
    private static ITransformer model = null!;

    [ClassInitialize]
    public static void TrainOnce(TestContext _)
    {
        digits = TestData.MnistTrain(Ml, 1500);
        model = Pipeline().Fit(digits);
    }

    private static IEstimator<ITransformer> Pipeline(StableDeepOptions? options = null) =>
        Ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Append(Ml.MulticlassClassification.Trainers.StableDeep(options ?? SmallOptions.Trainer()));

    [TestMethod]
    public void GetOutputSchemaAddsScoreAndPredictedLabelWithoutTraining()
    {
        var shape = Pipeline().GetOutputSchema(Shapes.Of(digits.Schema));
        var names = shape.Select(c => c.Name).ToList();
        CollectionAssert.Contains(names, "Score");
        CollectionAssert.Contains(names, "PredictedLabel");
        var score = shape.Single(c => c.Name == "Score");
        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, score.Kind);
        Assert.IsTrue(shape.Single(c => c.Name == "PredictedLabel").IsKey);
    }

    [TestMethod]
    public void OutputColumnsCarryTheAnnotationsOfMLNetsOwnTrainers()
    {
        var schema = model.Transform(digits).Schema;
        var score = schema["Score"];
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 10), score.Type);
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        score.GetSlotNames(ref slotNames);
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => i.ToString()).ToArray(),
            slotNames.DenseValues().Select(v => v.ToString()).ToArray());
        Assert.AreEqual("MulticlassClassification", Text(score, "ScoreColumnKind"));
        Assert.AreEqual("Score", Text(score, "ScoreValueKind"));

        var predicted = schema["PredictedLabel"];
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 10), predicted.Type);
        VBuffer<uint> keyValues = default;
        predicted.GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => (uint)i).ToArray(), keyValues.DenseValues().ToArray());
        Assert.AreEqual("PredictedLabel", Text(predicted, "ScoreValueKind"));
    }

    private static string Text(DataViewSchema.Column column, string annotation)
    {
        ReadOnlyMemory<char> value = default;
        column.Annotations.GetValue(annotation, ref value);
        return value.ToString();
    }

    [TestMethod]
    public void ScoresAreProbabilitiesAndPredictedLabelIsTheirArgmax()
    {
        var scored = model.Transform(TestData.MnistTest(Ml, 200));
        var scores = TestData.Scores(scored);
        var predicted = scored.GetColumn<uint>("PredictedLabel").ToArray();
        for (int i = 0; i < scores.Length; i++)
        {
            Assert.AreEqual(1.0, scores[i].Sum(), 1e-4);
            Assert.AreEqual((uint)Array.IndexOf(scores[i], scores[i].Max()) + 1, predicted[i]);
        }
    }

    [TestMethod]
    public void EvaluateCrossValidateAndPreviewWork()
    {
        var metrics = Ml.MulticlassClassification.Evaluate(model.Transform(TestData.MnistTest(Ml, 500)));
        Assert.IsTrue(metrics.MicroAccuracy > 0.8, $"MicroAccuracy {metrics.MicroAccuracy}");

        var folds = Ml.MulticlassClassification.CrossValidate(TestData.MnistTrain(Ml, 900), Pipeline(), numberOfFolds: 3);
        Assert.AreEqual(3, folds.Count);
        Assert.IsTrue(folds.All(f => f.Metrics.MicroAccuracy > 0.6), string.Join(", ", folds.Select(f => f.Metrics.MicroAccuracy)));

        var preview = model.Transform(digits).Preview(maxRows: 5);
        Assert.AreEqual(5, preview.RowView.Length);
        Assert.IsTrue(preview.ColumnView.Any(c => c.Column.Name == "PredictedLabel"));
    }

    [TestMethod]
    public void PredictionEngineMatchesBatchScoring()
    {
        var test = TestData.MnistTest(Ml, 50);
        var batch = TestData.Scores(model.Transform(test));
        var engine = Ml.Model.CreatePredictionEngine<Digit, DigitPrediction>(model);
        var rows = Ml.Data.CreateEnumerable<Digit>(test, reuseRowObject: false).ToList();
        for (int i = 0; i < rows.Count; i++)
            CollectionAssert.AreEqual(batch[i], engine.Predict(rows[i]).Score, new ToleranceComparer(1e-6f));
    }

    [TestMethod]
    public void ScoringDataWithoutALabelWorksThroughTransformerScope()
    {
        // The label step runs only for training and testing; scoring data has no Label column.
        var pipeline = new EstimatorChain<ITransformer>()
            .Append(Ml.Transforms.Conversion.MapValueToKey("Label"), TransformerScope.TrainTest)
            .Append(Ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Trainer(epochs: 1)));
        var fitted = pipeline.Fit(digits);
        var features = Ml.Data.LoadFromEnumerable(Ml.Data.CreateEnumerable<Digit>(TestData.MnistTest(Ml, 20), false)
            .Select(d => new UnlabeledDigit { Features = d.Features }));
        var scoring = fitted.GetModelFor(TransformerScope.Scoring);
        var predicted = scoring.Transform(features).GetColumn<uint>("PredictedLabel").ToArray();
        Assert.AreEqual(20, predicted.Length);
        Assert.IsTrue(predicted.All(p => p is >= 1 and <= 10));
    }

    [TestMethod]
    public void ParallelCursorsGiveTheSameScoresAsOneCursor()
    {
        var scored = model.Transform(TestData.MnistTest(Ml, 300));
        var expected = TestData.Scores(scored);
        var cursors = scored.GetRowCursorSet(scored.Schema.Where(c => c.Name is "Score"), 4);
        var byId = new System.Collections.Concurrent.ConcurrentDictionary<ulong, float[]>();
        Parallel.ForEach(cursors, cursor =>
        {
            var getter = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
            var id = cursor.GetIdGetter();
            VBuffer<float> value = default;
            DataViewRowId rowId = default;
            while (cursor.MoveNext())
            {
                getter(ref value);
                id(ref rowId);
                byId[rowId.Low] = value.DenseValues().ToArray();
            }
            cursor.Dispose();
        });
        Assert.AreEqual(expected.Length, byId.Count);
        foreach (var (row, scores) in byId)
            CollectionAssert.AreEqual(expected[row], scores, new ToleranceComparer(1e-6f));
    }

    [TestMethod]
    public void TransformIsLazy()
    {
        var rows = Enumerable.Range(0, 600).Select(i => new UnlabeledDigit { Features = new float[784] }).ToArray();
        rows[513].Features[7] = float.NaN; // In the second scoring batch.
        var scored = ((IEnumerable<ITransformer>)model).OfType<StableDeepTransformer>().Single().Transform(Ml.Data.LoadFromEnumerable(rows));
        Assert.AreEqual(500, scored.GetColumn<uint>("PredictedLabel").Take(500).Count(), "Transform and the first batch are fine");
        var error = Assert.Throws<InvalidOperationException>(() => scored.GetColumn<uint>("PredictedLabel").ToArray());
        StringAssert.Contains(error.Message, "row 513");
        StringAssert.Contains(error.Message, "'Features'");
    }

    [TestMethod]
    public void TheFittedTransformerIsFoundInThePipeline()
    {
        var deep = ((IEnumerable<ITransformer>)model).OfType<StableDeepTransformer>().Single();
        Assert.AreEqual("Features", deep.FeatureColumnName);
        Assert.AreEqual("cpu", deep.Device);
        Assert.IsTrue(deep.IsRowToRowMapper);
    }

    public sealed class Digit
    {
        public uint Label { get; set; }

        [VectorType(784)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    public sealed class UnlabeledDigit
    {
        [VectorType(784)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    public sealed class DigitPrediction
    {
        public float[] Score { get; set; } = Array.Empty<float>();
    }

    private sealed class ToleranceComparer(float tolerance) : System.Collections.IComparer
    {
        public int Compare(object? x, object? y) => Math.Abs((float)x! - (float)y!) <= tolerance ? 0 : 1;
    }
}
