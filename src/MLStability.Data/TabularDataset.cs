using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Data;

/// <summary>
/// Loads a comma-separated table with a header row whose last column is the label (the layout of the public tabular
/// data sets in <c>data/tabular</c>) into an IDataView with a <c>Features</c> column (every other column, as a
/// known-size vector of Single, in file order) and a <c>Label</c> column of the requested type.
/// </summary>
public static class TabularDataset
{
    /// <summary>Loads <paramref name="path"/>.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="path">A CSV file with a header row; the last column is the label.</param>
    /// <param name="labelKind">The label's type: Single (regression, or classes to map to keys) or Boolean (binary; "0"/"1").</param>
    public static IDataView Load(MLContext mlContext, string path, DataKind labelKind = DataKind.Single)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        string header = File.ReadLines(path).FirstOrDefault() ?? throw new InvalidDataException($"{path} is empty.");
        int featureCount = header.Split(',').Length - 1;
        if (featureCount < 1)
            throw new InvalidDataException($"{path}: the header '{header}' names no feature column before the label.");
        return mlContext.Data.LoadFromTextFile(path, new[]
        {
            new TextLoader.Column("Features", DataKind.Single, 0, featureCount - 1),
            new TextLoader.Column("Label", labelKind, featureCount),
        }, separatorChar: ',', hasHeader: true);
    }
}
