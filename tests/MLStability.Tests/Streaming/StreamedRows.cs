using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Tests;

/// <summary>
/// Lazily generated rows for streaming tests: a view over a sequence that is computed again on every read (so it
/// cannot shuffle and does not know its row count), holding nothing; optionally failing on a given read.
/// </summary>
internal static class StreamedRows
{
    public const int FeatureCount = 16;

    /// <summary>
    /// <paramref name="rows"/> rows of 3 Gaussian classes (keys 1..3), generated from the row index; the read numbered
    /// <paramref name="failOnRead"/> (1-based) throws at row <paramref name="failAtRow"/>, or gives a NaN there when
    /// <paramref name="nanInstead"/>.
    /// </summary>
    public static IDataView Blobs(MLContext ml, int rows, int? failOnRead = null, int failAtRow = 0, bool nanInstead = false)
    {
        int reads = 0;
        IEnumerable<Row> Generate()
        {
            int read = Interlocked.Increment(ref reads);
            for (int i = 0; i < rows; i++)
            {
                if (read == failOnRead && i == failAtRow && !nanInstead)
                    throw new IOException($"the disk went away at row {i}");
                yield return Make(i, nanAt: read == failOnRead && i == failAtRow && nanInstead);
            }
        }
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Label)].ColumnType = new KeyDataViewType(typeof(uint), 3);
        return ml.Data.LoadFromEnumerable(new Replayable(Generate), schema);
    }

    private static Row Make(int index, bool nanAt)
    {
        var random = new Random(index);
        int label = index % 3;
        var features = new float[FeatureCount];
        for (int j = 0; j < FeatureCount; j++)
            features[j] = (float)(random.NextDouble() * 2 - 1 + (j % 3 == label ? 1.2 : 0));
        if (nanAt)
            features[5] = float.NaN;
        return new Row { Label = (uint)label, Features = features }; // LoadFromEnumerable reads a uint key as 0-based: keys 1..3
    }

    public sealed class Row
    {
        public uint Label { get; set; }

        [VectorType(FeatureCount)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    /// <summary>An IEnumerable that runs its generator afresh for every enumeration (not an IList: ML.NET cannot shuffle it).</summary>
    private sealed class Replayable(Func<IEnumerable<Row>> generate) : IEnumerable<Row>
    {
        public IEnumerator<Row> GetEnumerator() => generate().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
