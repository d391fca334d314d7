namespace MLStability.Tests;

/// <summary>What an app that only trains or scores carries: no drawing library outside MLStability.Plots.</summary>
[TestClass]
public sealed class DependencyTests
{
    [TestMethod]
    public void OnlyThePlotsAssemblyReferencesADrawingLibrary()
    {
        var scoringAssemblies = new[]
        {
            typeof(TrainingReport).Assembly,                  // the engine
            typeof(StableDeepTransformer).Assembly,           // the ML.NET trainers
            typeof(MLStability.Transforms.StableDeepFeaturizerEstimator).Assembly,
        };
        foreach (var assembly in scoringAssemblies)
        {
            var drawing = assembly.GetReferencedAssemblies().Select(a => a.Name!)
                .Where(n => n.StartsWith("ScottPlot", StringComparison.Ordinal) || n.StartsWith("SkiaSharp", StringComparison.Ordinal) ||
                            n.StartsWith("HarfBuzz", StringComparison.Ordinal)).ToArray();
            Assert.AreEqual(0, drawing.Length, $"{assembly.GetName().Name} references {string.Join(", ", drawing)}");
        }
        Assert.IsTrue(typeof(TrainingReportPlots).Assembly.GetReferencedAssemblies().Any(a => a.Name == "ScottPlot"),
            "the plots live in MLStability.Plots");
    }
}
