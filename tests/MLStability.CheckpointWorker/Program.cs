// Usage: MLStability.CheckpointWorker DATA_DIR CHECKPOINT_DIR
// Trains the checkpoint scenario, printing "epoch N" after each epoch, until it finishes or is killed.
using MLStability;
using MLStability.CheckpointWorker;

var options = CheckpointScenario.Options(args[1], new LineProgress());
CheckpointScenario.Train(args[0], options);
Console.WriteLine("done");
return 0;

internal sealed class LineProgress : IProgress<EpochProgress>
{
    public void Report(EpochProgress value) => Console.WriteLine($"epoch {value.Epoch}");
}
