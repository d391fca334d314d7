using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>A data set's features and targets as tensors on the training device, for the whole fit.</summary>
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

    public static DeviceTensors Create(SupervisedData data, torch.Device device)
    {
        using var scope = torch.NewDisposeScope();
        Tensor features = torch.tensor(data.Features, new long[] { data.Rows, data.FeatureCount }).to(device);
        Tensor targets = data.TargetTensor(device);
        return new DeviceTensors(features.MoveToOuterDisposeScope(), targets.MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        Features.Dispose();
        Targets.Dispose();
    }
}
