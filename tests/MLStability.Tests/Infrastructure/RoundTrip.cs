namespace MLStability.Tests;

/// <summary>Saves a model with mlContext.Model.Save, loads it back and checks that it scores exactly as before.</summary>
internal static class RoundTrip
{
    /// <summary>Returns the loaded model after asserting equal predicted labels, scores (1e-5) and metrics.</summary>
    public static ITransformer AssertLoadedModelScoresTheSame(MLContext ml, ITransformer model, DataViewSchema inputSchema, IDataView test)
    {
        string directory = Path.Combine(Path.GetTempPath(), "mlstability-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "model.zip");
        ml.Model.Save(model, inputSchema, path);
        var loaded = ml.Model.Load(path, out var schema);

        Assert.AreEqual(inputSchema["Features"].Type, schema["Features"].Type);
        var before = model.Transform(test);
        var after = loaded.Transform(test);
        Assert.AreEqual(before.Schema["Score"].Type, after.Schema["Score"].Type);
        Assert.AreEqual(before.Schema["PredictedLabel"].Type, after.Schema["PredictedLabel"].Type);
        CollectionAssert.AreEqual(before.GetColumn<uint>("PredictedLabel").ToArray(), after.GetColumn<uint>("PredictedLabel").ToArray());
        var scoresBefore = TestData.Scores(before);
        var scoresAfter = TestData.Scores(after);
        for (int i = 0; i < scoresBefore.Length; i++)
            for (int k = 0; k < scoresBefore[i].Length; k++)
                Assert.AreEqual(scoresBefore[i][k], scoresAfter[i][k], 1e-5f, $"row {i}, class {k}");

        var metricsBefore = ml.MulticlassClassification.Evaluate(before);
        var metricsAfter = ml.MulticlassClassification.Evaluate(after);
        Assert.AreEqual(metricsBefore.MicroAccuracy, metricsAfter.MicroAccuracy, 1e-12);
        Assert.AreEqual(metricsBefore.LogLoss, metricsAfter.LogLoss, 1e-5);
        return loaded;
    }
}
