using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Batches of a data set held on the training device for the whole fit: each epoch a random permutation of the rows,
/// drawn on the CPU from the fit's own generator (reproducible, checkpointed), sliced into batches.
/// </summary>
internal sealed class InMemoryBatches : IFitBatches
{
    private const int EvaluationBatchSize = 4096;

    private readonly DeviceTensors train;
    private readonly DeviceTensors? validation;
    private readonly torch.Generator shuffler;
    private readonly torch.Device device;
    private readonly int batchSize;
    private readonly Lazy<string> fingerprint;

    public InMemoryBatches(SupervisedData train, SupervisedData? validation, DataScaling scaling, torch.Device device, int batchSize, int seed)
    {
        this.train = DeviceTensors.Create(train, device, scaling);
        this.validation = validation != null ? DeviceTensors.Create(validation, device, scaling) : null;
        shuffler = new torch.Generator((ulong)seed);
        this.device = device;
        this.batchSize = batchSize;
        // Only checkpoints need it, and it reads every feature value once (0.24 s on 60,000 x 784).
        fingerprint = new Lazy<string>(() => DataFingerprint(train, validation));
    }

    public long TrainingRows => train.Rows;
    public long ValidationRows => validation?.Rows ?? 0;
    public string Fingerprint => fingerprint.Value;

    public IEnumerable<IMiniBatch> Epoch(int epoch, long steps)
    {
        Tensor order;
        using (var scope = torch.NewDisposeScope())
            order = torch.randperm(train.Rows, generator: shuffler).to(device).MoveToOuterDisposeScope();
        try
        {
            for (long batch = 0; batch < steps; batch++)
            {
                long start = batch * batchSize;
                yield return new Slice(train, order, start, Math.Min(batchSize, train.Rows - start));
            }
        }
        finally
        {
            order.Dispose();
        }
    }

    public IEnumerable<IMiniBatch> Validation()
    {
        if (validation is null)
            yield break;
        for (long start = 0; start < validation.Rows; start += EvaluationBatchSize)
            yield return new Range(validation, start, Math.Min(EvaluationBatchSize, validation.Rows - start));
    }

    public void Capture(CheckpointFile checkpoint) => checkpoint.SetTensor("rng.shuffle", shuffler.get_state());

    public void Restore(CheckpointFile checkpoint) => shuffler.set_state(checkpoint.GetTensor("rng.shuffle"));

    /// <summary>Row counts and value sums; reads every feature once.</summary>
    private static string DataFingerprint(SupervisedData train, SupervisedData? validation)
    {
        double featureSum = 0;
        foreach (float value in train.Features)
            featureSum += value;
        return $"rows={train.Rows}+{validation?.Rows ?? 0} features={featureSum:R} targets={train.TargetChecksum():R}";
    }

    public void Dispose()
    {
        train.Dispose();
        validation?.Dispose();
        shuffler.Dispose();
    }

    /// <summary>Rows <c>order[start .. start + count)</c> of the training set.</summary>
    private sealed class Slice(DeviceTensors data, Tensor order, long start, long count) : IMiniBatch
    {
        public long Rows => count;

        public (Tensor Features, Tensor Targets) Materialize()
        {
            Tensor rows = order.narrow(0, start, count);
            return (data.Features.index_select(0, rows), data.Targets.index_select(0, rows));
        }
    }

    /// <summary>Rows <c>[start, start + count)</c> in stored order.</summary>
    private sealed class Range(DeviceTensors data, long start, long count) : IMiniBatch
    {
        public long Rows => count;

        public (Tensor Features, Tensor Targets) Materialize() => (data.Features.narrow(0, start, count), data.Targets.narrow(0, start, count));
    }
}
