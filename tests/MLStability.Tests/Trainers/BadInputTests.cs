namespace MLStability.Tests.Trainers;

/// <summary>Bad input fails early with a message that names the column and what was expected.</summary>
[TestClass]
public sealed class BadInputTests
{
    private readonly MLContext ml = new(seed: 1);

    private StableDeepTrainer Trainer() => ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Trainer(epochs: 1));

    private IDataView Rows<T>(IEnumerable<T> rows) where T : class => ml.Data.LoadFromEnumerable(rows);

    private IDataView Keyed<T>(IEnumerable<T> rows) where T : class =>
        ml.Transforms.Conversion.MapValueToKey("Label").Fit(Rows(rows)).Transform(Rows(rows));

    private static IEnumerable<FloatRow> Good(int count = 20) =>
        Enumerable.Range(0, count).Select(i => new FloatRow { Label = i % 2, Features = new[] { i % 2f, 1f, 0.5f } });

    [TestMethod]
    public void NaNFeatureNamesTheRow()
    {
        var rows = Good().ToArray();
        rows[7].Features[1] = float.NaN;
        var error = Assert.Throws<InvalidOperationException>(() => Trainer().Fit(Keyed(rows)));
        StringAssert.Contains(error.Message, "'Features'");
        StringAssert.Contains(error.Message, "row 7, slot 1");
    }

    [TestMethod]
    public void InfiniteFeatureIsRejected()
    {
        var rows = Good().ToArray();
        rows[3].Features[0] = float.PositiveInfinity;
        var error = Assert.Throws<InvalidOperationException>(() => Trainer().Fit(Keyed(rows)));
        StringAssert.Contains(error.Message, "row 3");
    }

    [TestMethod]
    public void DoubleFeaturesAreRejectedBeforeTraining()
    {
        var data = Keyed(Enumerable.Range(0, 10).Select(i => new DoubleRow { Label = i % 2, Features = new double[] { i, 1, 2 } }));
        var shapeError = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer().GetOutputSchema(Shapes.Of(data.Schema)));
        StringAssert.Contains(shapeError.Message, "'Features' must be a known-size vector of Single");
        var fitError = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer().Fit(data));
        StringAssert.Contains(fitError.Message, "Double");
    }

    [TestMethod]
    public void VariableSizeFeaturesAreRejected()
    {
        var data = Keyed(Enumerable.Range(0, 10).Select(i => new VariableRow { Label = i % 2, Features = new float[1 + i % 3] }));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer().GetOutputSchema(Shapes.Of(data.Schema)));
        StringAssert.Contains(error.Message, "variable-size vector");
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer().Fit(data));
    }

    [TestMethod]
    public void ALabelThatIsNotAKeySaysToUseMapValueToKey()
    {
        var data = Rows(Good());
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer().Fit(data));
        StringAssert.Contains(error.Message, "'Label' must be a key type");
        StringAssert.Contains(error.Message, "MapValueToKey");
        Assert.Throws<ArgumentOutOfRangeException>(() => Trainer().GetOutputSchema(Shapes.Of(data.Schema)));
    }

    [TestMethod]
    public void AMissingColumnListsTheAvailableOnes()
    {
        var options = SmallOptions.Trainer();
        options.FeatureColumnName = "Pixels";
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            ml.MulticlassClassification.Trainers.StableDeep(options).Fit(Keyed(Good())));
        StringAssert.Contains(error.Message, "'Pixels' was not found");
        StringAssert.Contains(error.Message, "Features");
    }

    [TestMethod]
    public void OneClassIsNotEnough()
    {
        var rows = Good().Select(r => new FloatRow { Label = 1, Features = r.Features });
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer().Fit(Keyed(rows)));
        StringAssert.Contains(error.Message, "at least 2");
    }

    [TestMethod]
    public void OneObservedClassOfSeveralKeysIsNotEnough()
    {
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(Rows(Good()));
        var oneClass = keyed.Transform(Rows(Good().Where(r => r.Label == 0)));
        var error = Assert.Throws<ArgumentException>(() => Trainer().Fit(oneClass));
        StringAssert.Contains(error.Message, "only 1 class");
    }

    [TestMethod]
    public void AnEmptyViewIsAClearError()
    {
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(Rows(Good()));
        var empty = keyed.Transform(Rows(Array.Empty<FloatRow>()));
        var error = Assert.Throws<ArgumentException>(() => Trainer().Fit(empty));
        StringAssert.Contains(error.Message, "no rows");
    }

    [TestMethod]
    public void InvalidOptionsFailWhenTheTrainerIsCreated()
    {
        var options = SmallOptions.Trainer();
        options.BatchSize = 0;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.StableDeep(options));
        StringAssert.Contains(error.Message, "StableDeepOptions.BatchSize must be in [1, 1048576]; got 0.");
    }

    [TestMethod]
    public void ScoringWithAnotherFeatureSizeIsAClearError()
    {
        var model = Trainer().Fit(Keyed(Good()));
        var wider = Rows(Enumerable.Range(0, 4).Select(i => new WideRow { Features = new float[5] }));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Transform(wider));
        StringAssert.Contains(error.Message, "trained on 3");
    }

    [TestMethod]
    public void AnUnavailableDeviceIsAClearError()
    {
        if (TorchSharp.torch.cuda.is_available())
            Assert.Inconclusive("This machine has CUDA.");
        var options = SmallOptions.Trainer();
        options.Device = "cuda";
        var error = Assert.Throws<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.StableDeep(options).Fit(Keyed(Good())));
        StringAssert.Contains(error.Message, "no CUDA device");
    }

    public sealed class FloatRow
    {
        public float Label { get; set; }
        [VectorType(3)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    public sealed class DoubleRow
    {
        public float Label { get; set; }
        [VectorType(3)] public double[] Features { get; set; } = Array.Empty<double>();
    }

    public sealed class VariableRow
    {
        public float Label { get; set; }
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    public sealed class WideRow
    {
        [VectorType(5)] public float[] Features { get; set; } = Array.Empty<float>();
    }

    [TestMethod]
    public void MoreValuesThanOneArrayHoldsIsAnEarlyClearError()
    {
        // 10 million digits would need 7.8 billion floats in one array: refused before a single row is read.
        var error = Assert.ThrowsExactly<InvalidOperationException>(() => new MLStability.Trainers.GrowableArray(784, 10_000_000, "Features"));
        StringAssert.Contains(error.Message, "10,000,000 rows of 784 values in 'Features' are more than one in-memory array holds");
        StringAssert.Contains(error.Message, "Set DataLoading = Streaming");
        var fits = new MLStability.Trainers.GrowableArray(784, 1000, "Features");
        Assert.AreEqual(784, fits.AppendRow().Length);
    }
}
