using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// The mini-batches of one fit, wherever its rows live: on the device for the whole fit (<see cref="InMemoryBatches"/>)
/// or read pass by pass from a source (<see cref="StreamingBatches"/>). The loop asks for an epoch's training batches
/// and for the validation batches, and materializes each batch as tensors inside its step's dispose scope.
/// </summary>
internal interface IFitBatches : IDisposable
{
    /// <summary>Training rows per epoch.</summary>
    long TrainingRows { get; }

    /// <summary>Validation rows (0: no validation).</summary>
    long ValidationRows { get; }

    /// <summary>What a checkpoint must match about the data: row counts and sums of features and targets.</summary>
    string Fingerprint { get; }

    /// <summary>The training batches of epoch <paramref name="epoch"/> (1-based), at most <paramref name="steps"/> of them.</summary>
    IEnumerable<IMiniBatch> Epoch(int epoch, long steps);

    /// <summary>The validation rows in batches.</summary>
    IEnumerable<IMiniBatch> Validation();

    /// <summary>Writes the state that decides the next epochs' order into a checkpoint.</summary>
    void Capture(CheckpointFile checkpoint);

    /// <summary>Restores what <see cref="Capture"/> wrote.</summary>
    void Restore(CheckpointFile checkpoint);
}

/// <summary>One mini-batch, not yet on the device.</summary>
internal interface IMiniBatch
{
    long Rows { get; }

    /// <summary>The batch's scaled features and targets on the training device, in the caller's dispose scope.</summary>
    (Tensor Features, Tensor Targets) Materialize();
}
