using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>Classification rows: features and 0-based class indices, fitted with cross-entropy.</summary>
internal sealed class ClassificationData : SupervisedData
{
    public ClassificationData(float[] features, int[] labels, int featureCount, int classCount)
        : base(features, labels.Length, featureCount)
    {
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"Row {i}: class index must be in [0, {classCount - 1}].");
        }
        Labels = labels;
        ClassCount = classCount;
    }

    public int[] Labels { get; }
    public int ClassCount { get; }

    public override int OutputCount => ClassCount;

    public override TrainingObjective Objective => TrainingObjective.CrossEntropy;

    public override Tensor TargetTensor(torch.Device device) => torch.tensor(Labels.Select(l => (long)l).ToArray()).to(device);

    public override double TargetChecksum() => Labels.Sum(l => (long)l);

    public override SupervisedData Subset(ReadOnlySpan<int> rows)
    {
        var labels = new int[rows.Length];
        for (int i = 0; i < rows.Length; i++)
            labels[i] = Labels[rows[i]];
        return new ClassificationData(SubsetFeatures(rows), labels, FeatureCount, ClassCount);
    }
}
