using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>A data set's features and labels as tensors on the training device, for the whole fit.</summary>
internal sealed class DeviceTensors : IDisposable
{
    private DeviceTensors(Tensor features, Tensor labels)
    {
        Features = features;
        Labels = labels;
    }

    public Tensor Features { get; }
    public Tensor Labels { get; }
    public long Rows => Labels.shape[0];

    public static DeviceTensors Create(ClassificationData data, torch.Device device)
    {
        using var scope = torch.NewDisposeScope();
        Tensor features = torch.tensor(data.Features, new long[] { data.Rows, data.FeatureCount }).to(device);
        Tensor labels = torch.tensor(data.Labels.Select(l => (long)l).ToArray()).to(device);
        return new DeviceTensors(features.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        Features.Dispose();
        Labels.Dispose();
    }
}
