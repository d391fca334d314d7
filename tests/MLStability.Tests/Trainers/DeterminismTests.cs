namespace MLStability.Tests.Trainers;

[TestClass]
public sealed class DeterminismTests
{
    private static float[] FitAndScore(MLContext ml, int? seed)
    {
        var options = SmallOptions.Trainer();
        options.Seed = seed;
        options.Dropout = 0.2f;
        var data = TestData.Blobs(ml);
        var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(data);
        return TestData.Scores(model.Transform(data)).SelectMany(s => s).ToArray();
    }

    [TestMethod]
    public void TheSameSeedGivesBitIdenticalScores()
    {
        CollectionAssert.AreEqual(FitAndScore(new MLContext(), 42), FitAndScore(new MLContext(), 42));
    }

    [TestMethod]
    public void WithoutASeedTheMLContextSeedIsUsed()
    {
        CollectionAssert.AreEqual(FitAndScore(new MLContext(seed: 9), null), FitAndScore(new MLContext(seed: 9), null));
        CollectionAssert.AreNotEqual(FitAndScore(new MLContext(seed: 9), null), FitAndScore(new MLContext(seed: 10), null));
    }
}
