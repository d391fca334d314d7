using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// For recurrent networks: the norm of the loss gradient with respect to each step's input, on the first and on the
/// last training step. How fast it falls from the last step back to the first shows how far back in time gradients
/// reach — the vanishing-through-time that gated cells fix. It reuses the step's own backward pass: the batch's
/// input only has to require a gradient on those two steps.
/// </summary>
internal sealed class StepGradientRecorder
{
    private readonly long steps, lastStep;
    private readonly TrainingReportBuilder report;

    /// <param name="network">Only recurrent networks record.</param>
    /// <param name="totalSteps">The run's last optimizer step.</param>
    /// <param name="report">Receives the norms (and keeps them across checkpoints).</param>
    public StepGradientRecorder(DeepNetwork network, long totalSteps, TrainingReportBuilder report)
    {
        steps = network is RecurrentNetwork recurrent ? recurrent.Steps : 0;
        lastStep = totalSteps;
        this.report = report;
    }

    /// <summary>Whether <paramref name="step"/> (1-based) should record.</summary>
    public bool Records(long step) => steps > 0 && (step == 1 || step == lastStep);

    /// <summary>Reads the per-step norms from the input's gradient [N, T x F] after backward.</summary>
    public void Record(long step, Tensor input)
    {
        if (input.grad is not Tensor gradient)
            return;
        using var noGrad = torch.no_grad();
        using var perStep = TensorOps.Squared(gradient.view(gradient.shape[0], steps, -1)).sum(new long[] { 0, 2 }).sqrt().to(torch.CPU).to_type(ScalarType.Float64);
        double[] norms = perStep.data<double>().ToArray();
        if (step == 1)
            report.StepGradientsAtStart = norms;
        if (step == lastStep)
            report.StepGradientsAtEnd = norms;
    }
}
