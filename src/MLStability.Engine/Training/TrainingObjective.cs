using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>The loss a network is trained on, and the accuracy it reports (classification only).</summary>
internal abstract class TrainingObjective
{
    /// <summary>Softmax cross-entropy of logits [N, K] against class indices [N].</summary>
    public static TrainingObjective CrossEntropy { get; } = new CrossEntropyObjective();

    /// <summary>Mean squared error of outputs [N, K] against targets [N, K].</summary>
    public static TrainingObjective MeanSquaredError { get; } = new MeanSquaredErrorObjective();

    /// <summary>The loss of <paramref name="output"/> against <paramref name="targets"/>, averaged or summed over rows.</summary>
    public abstract Tensor Loss(Tensor output, Tensor targets, nn.Reduction reduction = nn.Reduction.Mean);

    /// <summary>Rows predicted correctly, or null when the objective has no accuracy.</summary>
    public virtual Tensor? Correct(Tensor output, Tensor targets) => null;

    private sealed class CrossEntropyObjective : TrainingObjective
    {
        public override Tensor Loss(Tensor output, Tensor targets, nn.Reduction reduction) =>
            nn.functional.cross_entropy(output, targets, reduction: reduction);

        public override Tensor? Correct(Tensor output, Tensor targets) => output.argmax(1).eq(targets).sum();
    }

    private sealed class MeanSquaredErrorObjective : TrainingObjective
    {
        // Summed per row over targets, so that the Sum reduction adds whole rows (as evaluation expects).
        public override Tensor Loss(Tensor output, Tensor targets, nn.Reduction reduction)
        {
            Tensor perRow = (output - targets).square().sum(1);
            return reduction == nn.Reduction.Sum ? perRow.sum() : perRow.mean();
        }
    }
}
