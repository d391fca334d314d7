namespace MLStability;

/// <summary>
/// Training produced a non-finite loss or non-finite weights. No model is returned, so a NaN model never reaches
/// a pipeline. The message names the epoch and step and the options that usually prevent it.
/// </summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception for the given epoch (from 1) and optimizer step (from 1).</summary>
    /// <param name="epoch">The epoch in which training diverged.</param>
    /// <param name="step">The optimizer step at which it diverged.</param>
    /// <param name="what">What happened, e.g. "the loss became NaN".</param>
    /// <param name="report">The training report up to the failure, if one was kept.</param>
    public TrainingDivergedException(int epoch, long step, string what, TrainingReport? report = null)
        : base($"Training diverged: {what} at epoch {epoch}, optimizer step {step}. " + Advice(report))
    {
        Epoch = epoch;
        Step = step;
        Report = report;
    }

    /// <summary>The training report up to the failure: statistics, events, verdict and remedies.</summary>
    public TrainingReport? Report { get; }

    private static string Advice(TrainingReport? report) => report is { Remedies.Count: > 0 }
        ? "Remedies: " + string.Join("; ", report.Remedies) + "."
        : "Lower LearningRate, set GradientClipping = GlobalNorm with ClippingThreshold = 1, use Normalization = " +
          "LayerNorm, or use an initialization that matches the activation (HeNormal for ReLU, XavierUniform for tanh).";

    /// <summary>The epoch in which training diverged, from 1.</summary>
    public int Epoch { get; }

    /// <summary>The optimizer step at which training diverged, from 1.</summary>
    public long Step { get; }
}
