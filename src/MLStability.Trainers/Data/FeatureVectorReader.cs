using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// Copies a row's feature vector (dense or sparse) into a span and rejects values the network cannot take,
/// naming the column, the row and the slot.
/// </summary>
internal sealed class FeatureVectorReader
{
    private readonly ValueGetter<VBuffer<float>> getter;
    private readonly string column;
    private readonly int size;
    private VBuffer<float> buffer;

    public FeatureVectorReader(DataViewRow row, DataViewSchema.Column feature, int size)
    {
        getter = row.GetGetter<VBuffer<float>>(feature);
        column = feature.Name;
        this.size = size;
    }

    /// <summary>Reads the current row into <paramref name="destination"/> (length = feature count).</summary>
    public void Read(Span<float> destination, long row)
    {
        getter(ref buffer);
        if (buffer.Length != size)
            throw new InvalidOperationException(
                $"StableDeep: row {row} of the feature column '{column}' has {buffer.Length} values; expected {size}.");
        buffer.CopyTo(destination);
        int bad = IndexOfNonFinite(destination);
        if (bad >= 0)
            throw new InvalidOperationException(
                $"StableDeep: the feature column '{column}' holds {destination[bad]} at row {row}, slot {bad}; " +
                "every feature must be a finite number. Replace missing values first, e.g. with " +
                "mlContext.Transforms.ReplaceMissingValues.");
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
                return i;
        }
        return -1;
    }
}
