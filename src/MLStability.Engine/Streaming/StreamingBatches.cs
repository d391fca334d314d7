using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Batches read from an <see cref="IRowSource"/> pass by pass (<see cref="BatchStream"/>): each epoch's order comes
/// from the seed and the epoch number alone, so a resumed run reads the same order without checkpointed state; only
/// the current batch is moved to the device, scaled there as the in-memory path scales the whole set.
/// </summary>
internal sealed class StreamingBatches(IRowSource source, StreamingSummary summary, DataScaling scaling, torch.Device device,
    int batchSize, int seed, float validationFraction, bool dropLonelyLastRow) : IFitBatches
{
    /// <summary>Rows the shuffle buffer holds when the source cannot shuffle itself (about 63 MB at 784 features).</summary>
    public const int ShuffleBufferRows = 20_000;

    private const int EvaluationBatchSize = 4096;

    public long TrainingRows => summary.TrainingRows;
    public long ValidationRows => summary.ValidationRows;

    public string Fingerprint =>
        $"rows={summary.TrainingRows}+{summary.ValidationRows} features={summary.FeatureSum:R} targets={summary.TargetSum:R} streamed";

    public IEnumerable<IMiniBatch> Epoch(int epoch, long steps)
    {
        var pass = new BatchStream.Pass(source, seed, validationFraction, Validation: false, batchSize,
            ShuffleSeed: EpochSeed(seed, epoch), ShuffleBufferRows, dropLonelyLastRow);
        long taken = 0;
        foreach (var batch in BatchStream.Read(pass))
        {
            if (taken++ == steps)
                yield break;
            yield return new Streamed(this, batch);
        }
    }

    public IEnumerable<IMiniBatch> Validation()
    {
        if (summary.ValidationRows == 0)
            yield break;
        var pass = new BatchStream.Pass(source, seed, validationFraction, Validation: true, EvaluationBatchSize,
            ShuffleSeed: null, 0, DropLonelyLastRow: false);
        foreach (var batch in BatchStream.Read(pass))
            yield return new Streamed(this, batch);
    }

    // The order of epoch e is a function of (seed, e): nothing to checkpoint.
    public void Capture(CheckpointFile checkpoint)
    {
    }

    public void Restore(CheckpointFile checkpoint)
    {
    }

    public void Dispose()
    {
    }

    /// <summary>A seed per epoch, well mixed from the fit's seed and the epoch number.</summary>
    internal static int EpochSeed(int seed, int epoch)
    {
        ulong z = ((ulong)(uint)seed << 32 | (uint)epoch) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    private (Tensor Features, Tensor Targets) Materialize(HostBatch batch)
    {
        int rows = batch.Rows;
        float[] features = rows == batch.Capacity ? batch.Features : batch.Features[..(rows * source.FeatureCount)];
        float[] targets = rows == batch.Capacity ? batch.Targets : batch.Targets[..(rows * source.TargetWidth)];
        Tensor x = torch.tensor(features, new long[] { rows, source.FeatureCount }).to(device);
        if (scaling.Features is AffineScaling featureScaling)
            x = featureScaling.Apply(x);
        if (source.TargetsAreFeatures)
            return (x, x.clone()); // as in memory: the autoencoder reconstructs the scaled features
        Tensor y = torch.tensor(targets, new long[] { rows, source.TargetWidth });
        if (source.Objective == TrainingObjective.CrossEntropy)
            y = y.squeeze(1).to_type(ScalarType.Int64);
        y = y.to(device);
        if (scaling.Targets is AffineScaling targetScaling)
            y = targetScaling.Apply(y);
        return (x, y);
    }

    private sealed class Streamed(StreamingBatches owner, HostBatch batch) : IMiniBatch
    {
        public long Rows => batch.Rows;

        public (Tensor Features, Tensor Targets) Materialize() => owner.Materialize(batch);
    }
}
