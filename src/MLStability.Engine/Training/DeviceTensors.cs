using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// A data set's features and targets as tensors on the training device, for the whole fit, scaled as the fit's
/// <see cref="DataScaling"/> says (once here, rather than at every step).
/// </summary>
internal sealed class DeviceTensors : IDisposable
{
    private DeviceTensors(Tensor features, Tensor targets)
    {
        Features = features;
        Targets = targets;
    }

    public Tensor Features { get; }
    public Tensor Targets { get; }
    public long Rows => Targets.shape[0];

    public static DeviceTensors Create(SupervisedData data, torch.Device device, DataScaling scaling)
    {
        using var scope = torch.NewDisposeScope();
        Tensor features = torch.tensor(data.Features, new long[] { data.Rows, data.FeatureCount }).to(device);
        scaling.Features?.ApplyInPlace(features); // torch.tensor copied the rows: the caller's array is untouched
        Tensor targets = data is RegressionData { TargetsAreFeatures: true } ? features.clone() : data.TargetTensor(device);
        if (scaling.Targets is AffineScaling targetScaling)
            targets = targetScaling.Apply(targets);
        return new DeviceTensors(features.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        Features.Dispose();
        Targets.Dispose();
    }
}
