using MLStability.Networks;
using TorchSharp;
using TorchSharp.Modules;

namespace MLStability;

/// <summary>
/// Writes a training run as TensorBoard event files (<see cref="DeepNetworkOptions.TensorBoardDirectory"/>) through
/// TorchSharp's SummaryWriter, so that a long run can be watched live with <c>tensorboard --logdir DIR</c>:
/// <list type="bullet">
/// <item>per epoch, at the step count reached: <c>loss/train</c>, <c>loss/validation</c>, <c>accuracy/validation</c>
/// (with a validation split) and <c>learning_rate</c>;</item>
/// <item>at the diagnostics interval (the steps the gradient monitor samples), per watched layer:
/// <c>gradient_norm/LAYER</c> (before clipping), <c>weight_norm/LAYER</c>, and histograms <c>weights/LAYER</c> and
/// <c>gradients/LAYER</c>;</item>
/// <item>per instability event: <c>instability/KIND</c>, the number of such events so far, and its detail as text.</item>
/// </list>
/// </summary>
internal sealed class TensorBoardObserver : ITrainingObserver
{
    private readonly SummaryWriter writer;
    private readonly int interval;
    private readonly Dictionary<InstabilityKind, int> eventCounts = new();

    public TensorBoardObserver(string directory, int interval)
    {
        writer = torch.utils.tensorboard.SummaryWriter(directory);
        this.interval = interval;
    }

    public void OnGradientsComputed(DeepNetwork network, long step)
    {
        if (!GradientMonitor.Samples(step, interval))
            return;
        using var noGrad = torch.no_grad();
        int at = Step(step);
        foreach (var layer in network.WatchedLayers)
        {
            using var weight = layer.Weight.detach().cpu();
            writer.add_scalar($"weight_norm/{layer.Name}", weight.norm().item<float>(), at);
            writer.add_histogram($"weights/{layer.Name}", weight, at);
            if (layer.Weight.grad is not { } gradientOnDevice)
                continue;
            using var gradient = gradientOnDevice.detach().cpu();
            writer.add_scalar($"gradient_norm/{layer.Name}", gradient.norm().item<float>(), at);
            if (gradient.isfinite().all().item<bool>())
                writer.add_histogram($"gradients/{layer.Name}", gradient, at);
        }
    }

    public void OnEpochEnd(DeepNetwork network, EpochProgress progress)
    {
        int at = Step(progress.Steps);
        writer.add_scalar("loss/train", (float)progress.TrainingLoss, at);
        if (progress.ValidationLoss is double validationLoss)
            writer.add_scalar("loss/validation", (float)validationLoss, at);
        if (progress.ValidationAccuracy is double validationAccuracy)
            writer.add_scalar("accuracy/validation", (float)validationAccuracy, at);
        writer.add_scalar("learning_rate", (float)progress.LearningRate, at);
    }

    public void OnInstability(DeepNetwork network, InstabilityEvent instabilityEvent)
    {
        int count = eventCounts.GetValueOrDefault(instabilityEvent.Kind) + 1;
        eventCounts[instabilityEvent.Kind] = count;
        int at = Step(instabilityEvent.Step);
        writer.add_scalar($"instability/{instabilityEvent.Kind}", count, at);
        writer.add_text("instability", $"epoch {instabilityEvent.Epoch}, step {instabilityEvent.Step}: {instabilityEvent.Kind}, " +
                                       $"{instabilityEvent.Action}: {instabilityEvent.Detail}", at);
    }

    // TensorBoard's steps are 32-bit; a run of more than 2^31 optimizer steps keeps its last step.
    private static int Step(long step) => (int)Math.Min(step, int.MaxValue);
}
