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

    /// <summary>Huber loss (smooth L1) with threshold <paramref name="delta"/>: squared below it, linear above.</summary>
    public static TrainingObjective Huber(double delta) => new HuberObjective(delta);

    /// <summary>
    /// Binary cross-entropy of logits [N, 1] against 0/1 targets [N, 1]; positive rows weigh
    /// <paramref name="positiveWeight"/> times as much (for imbalanced data).
    /// </summary>
    public static TrainingObjective BinaryCrossEntropy(double positiveWeight) => new BinaryCrossEntropyObjective(positiveWeight);

    /// <summary>The loss of <paramref name="output"/> against <paramref name="targets"/>, averaged or summed over rows.</summary>
    public abstract Tensor Loss(Tensor output, Tensor targets, nn.Reduction reduction = nn.Reduction.Mean);

    /// <summary>Rows predicted correctly, or null when the objective has no accuracy.</summary>
    public virtual Tensor? Correct(Tensor output, Tensor targets) => null;

    /// <summary>True for losses on real-valued targets (squared error, Huber), whose targets can be standardized.</summary>
    public virtual bool FitsRealValues => false;

    private sealed class CrossEntropyObjective : TrainingObjective
    {
        public override Tensor Loss(Tensor output, Tensor targets, nn.Reduction reduction) =>
            nn.functional.cross_entropy(output, targets, reduction: reduction);

        public override Tensor? Correct(Tensor output, Tensor targets) => output.argmax(1).eq(targets).sum();
    }

    /// <summary>Sums per row over outputs, then reduces over rows, so that Sum adds whole rows (as evaluation expects).</summary>
    private static Tensor Reduce(Tensor perElement, nn.Reduction reduction)
    {
        Tensor perRow = perElement.sum(1);
        return reduction == nn.Reduction.Sum ? perRow.sum() : perRow.mean();
    }

    private sealed class HuberObjective(double delta) : TrainingObjective
    {
        public override bool FitsRealValues => true;

        public override Tensor Loss(Tensor output, Tensor targets, nn.Reduction reduction) =>
            Reduce(nn.functional.huber_loss(output, targets, reduction: nn.Reduction.None, delta: delta), reduction);
    }

    private sealed class BinaryCrossEntropyObjective(double positiveWeight) : TrainingObjective
    {
        public override Tensor Loss(Tensor output, Tensor targets, nn.Reduction reduction)
        {
            // The usual unweighted case needs no weight tensor on the device at every step.
            using var weight = positiveWeight == 1 ? null : torch.tensor(new[] { (float)positiveWeight }, device: output.device);
            return Reduce(nn.functional.binary_cross_entropy_with_logits(output, targets, reduction: nn.Reduction.None, pos_weights: weight), reduction);
        }

        public override Tensor? Correct(Tensor output, Tensor targets) => output.gt(TensorOps.Constant(0)).eq(targets.gt(TensorOps.Constant(0.5))).sum();
    }

    private sealed class MeanSquaredErrorObjective : TrainingObjective
    {
        public override bool FitsRealValues => true;

        public override Tensor Loss(Tensor output, Tensor targets, nn.Reduction reduction) => Reduce(TensorOps.Squared(output - targets), reduction);
    }
}
