namespace MLStability.Tests.Trainers;

[TestClass]
public sealed class LoggingTests
{
    [TestMethod]
    public void TrainingWritesEpochLinesToTheMLContextLog()
    {
        var ml = new MLContext(seed: 1);
        var lines = new List<string>();
        ml.Log += (_, e) => { lock (lines) lines.Add(e.Message); };
        ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Trainer(epochs: 2)).Fit(TestData.Blobs(ml));
        Assert.IsTrue(lines.Any(l => l.Contains("epoch 1/2")), string.Join("\n", lines.TakeLast(5)));
        Assert.IsTrue(lines.Any(l => l.Contains("epoch 2/2")));
    }
}
