using Microsoft.ML.Data;

namespace MLStability.Benchmarks;

/// <summary>The task a tabular data set poses.</summary>
internal enum TabularTask
{
    Multiclass,
    Binary,
    Regression,
}

/// <summary>
/// A public tabular data set from data/tabular (see its README for sources): a CSV whose last column is the label.
/// <paramref name="TargetScale"/> multiplies a regression target (the same data in other units).
/// </summary>
internal sealed record TabularDataSet(string Name, string File, TabularTask Task, float TargetScale = 1)
{
    public static IReadOnlyList<TabularDataSet> All { get; } = new TabularDataSet[]
    {
        new("iris", "iris.csv", TabularTask.Multiclass),
        new("wine", "wine.csv", TabularTask.Multiclass),
        new("digits 8x8", "digits.csv", TabularTask.Multiclass),
        new("breast cancer", "breast-cancer.csv", TabularTask.Binary),
        new("cars: made in USA", "cars-origin.csv", TabularTask.Binary),
        new("diabetes", "diabetes.csv", TabularTask.Regression),
        new("Boston housing ($1000s)", "boston.csv", TabularTask.Regression),
        new("Boston housing ($)", "boston.csv", TabularTask.Regression, TargetScale: 1000),
        new("cars: miles per gallon", "cars-mpg.csv", TabularTask.Regression),
        new("satellite", "satellite.csv", TabularTask.Multiclass),
        new("letters", "letters.csv", TabularTask.Multiclass),
    };

    public DataKind LabelKind => Task == TabularTask.Binary ? DataKind.Boolean : DataKind.Single;

    public string Metric => Task switch
    {
        TabularTask.Multiclass => "MicroAccuracy",
        TabularTask.Binary => "AUC",
        _ => "R²",
    };
}
