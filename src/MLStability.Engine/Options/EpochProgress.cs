namespace MLStability;

/// <summary>What one finished training epoch reports through <see cref="DeepNetworkOptions.Progress"/>.</summary>
/// <param name="Epoch">The epoch just finished, from 1.</param>
/// <param name="Epochs">The number of epochs requested.</param>
/// <param name="TrainingLoss">Mean cross-entropy over the epoch's mini-batches (with dropout active).</param>
/// <param name="ValidationLoss">Cross-entropy on the validation split, or null without one.</param>
/// <param name="ValidationAccuracy">Accuracy on the validation split, or null without one.</param>
/// <param name="LearningRate">The learning rate of the epoch's last optimizer step.</param>
/// <param name="Steps">Optimizer steps taken so far.</param>
/// <param name="Seconds">Wall-clock seconds the epoch took.</param>
public sealed record EpochProgress(
    int Epoch,
    int Epochs,
    double TrainingLoss,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double LearningRate,
    long Steps,
    double Seconds)
{
    /// <summary>A one-line, human-readable summary.</summary>
    public override string ToString()
    {
        string validation = ValidationLoss is double loss && ValidationAccuracy is double accuracy
            ? $"  val loss {loss:F4}  val acc {accuracy:P2}"
            : "";
        return $"epoch {Epoch}/{Epochs}  loss {TrainingLoss:F4}{validation}  lr {LearningRate:G3}  {Seconds:F1}s";
    }
}
