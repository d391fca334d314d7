using Microsoft.ML;
using Microsoft.ML.Data;
using MLStability.Data;

namespace MLStability.Benchmarks;

/// <summary>
/// The benchmark's training rows, both as arrays (for the hand loop) and as an IDataView (for the trainer).
/// With the bundled 8,000 digits, rows are repeated to reach the requested count, since speed does not depend
/// on which digits are seen.
/// </summary>
internal sealed class TrainingRows
{
    public required float[] Features { get; init; }
    public required long[] Labels { get; init; }
    public required int FeatureCount { get; init; }
    public required IDataView View { get; init; }
    public required string Source { get; init; }

    public static TrainingRows Load(MLContext ml, string directory, int rows)
    {
        var digits = ml.Data.CreateEnumerable<MnistDataset.MnistRow>(
            MnistDataset.Load(ml, directory, MnistSplit.Train), reuseRowObject: false).ToArray();
        int featureCount = digits[0].Features.Length;
        var repeated = Enumerable.Range(0, rows).Select(i => digits[i % digits.Length]).ToArray();
        var definition = SchemaDefinition.Create(typeof(MnistDataset.MnistRow));
        definition[nameof(MnistDataset.MnistRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        return new TrainingRows
        {
            Features = repeated.SelectMany(d => d.Features).ToArray(),
            Labels = repeated.Select(d => (long)d.Label).ToArray(),
            FeatureCount = featureCount,
            View = ml.Data.LoadFromEnumerable(repeated, definition),
            Source = digits.Length >= rows ? directory : $"{digits.Length} digits from {directory}, repeated",
        };
    }
}
