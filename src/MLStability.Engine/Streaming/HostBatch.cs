namespace MLStability;

/// <summary>A mini-batch assembled on the host from streamed rows: row-major features and targets.</summary>
internal sealed class HostBatch(int capacity, int featureCount, int targetWidth)
{
    public float[] Features { get; } = new float[(long)capacity * featureCount];
    public float[] Targets { get; } = new float[(long)capacity * targetWidth];
    public int Rows { get; private set; }
    public int Capacity => capacity;
    public bool IsFull => Rows == capacity;

    /// <summary>Empties the batch for reuse (its arrays are large: reusing them spares the large-object heap).</summary>
    public void Clear() => Rows = 0;

    public void Add(ReadOnlySpan<float> features, ReadOnlySpan<float> targets)
    {
        features.CopyTo(Features.AsSpan(Rows * featureCount, featureCount));
        targets.CopyTo(Targets.AsSpan(Rows * targetWidth, targetWidth));
        Rows++;
    }
}
