using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Rows with <see cref="TargetCount"/> real targets each, fitted with the given objective: regression values (squared
/// error or Huber), 0/1 labels of a binary classifier (binary cross-entropy), or an autoencoder's own features.
/// </summary>
internal sealed class RegressionData : SupervisedData
{
    private readonly TrainingObjective objective;

    public RegressionData(float[] features, float[] targets, int featureCount, int targetCount = 1, TrainingObjective? objective = null,
        bool targetsAreFeatures = false)
        : base(features, targets.Length / Math.Max(1, targetCount), featureCount)
    {
        if (targetCount <= 0 || targets.Length % targetCount != 0)
            throw new ArgumentException($"Expected rows x {targetCount} target values, got {targets.Length}.", nameof(targets));
        for (int i = 0; i < targets.Length; i++)
        {
            if (!float.IsFinite(targets[i]))
                throw new ArgumentOutOfRangeException(nameof(targets), targets[i], $"Row {i / targetCount}: targets must be finite.");
        }
        Targets = targets;
        TargetCount = targetCount;
        this.objective = objective ?? TrainingObjective.MeanSquaredError;
        TargetsAreFeatures = targetsAreFeatures;
    }

    /// <summary>
    /// True for an autoencoder: the targets are the features themselves, so they are scaled as the features are, and
    /// the network learns to reproduce its (scaled) input.
    /// </summary>
    public bool TargetsAreFeatures { get; }

    public float[] Targets { get; }
    public int TargetCount { get; }

    public override int OutputCount => TargetCount;

    public override TrainingObjective Objective => objective;

    public override Tensor TargetTensor(torch.Device device) => torch.tensor(Targets, new long[] { Rows, TargetCount }).to(device);

    public override double TargetChecksum() => Targets.Sum(t => (double)t);

    public override SupervisedData Subset(ReadOnlySpan<int> rows)
    {
        var targets = new float[(long)rows.Length * TargetCount];
        for (int i = 0; i < rows.Length; i++)
            Array.Copy(Targets, (long)rows[i] * TargetCount, targets, (long)i * TargetCount, TargetCount);
        return new RegressionData(SubsetFeatures(rows), targets, FeatureCount, TargetCount, objective, TargetsAreFeatures);
    }
}
