namespace MLStability;

/// <summary>
/// Training produced a non-finite loss or non-finite weights. No model is returned, so a NaN model never reaches
/// a pipeline. The message names the epoch and step and the options that usually prevent it.
/// </summary>
public sealed class TrainingDivergedException : InvalidOperationException
{
    /// <summary>Creates the exception for the given epoch (from 1) and optimizer step (from 1).</summary>
    public TrainingDivergedException(int epoch, long step, string what)
        : base($"Training diverged: {what} at epoch {epoch}, optimizer step {step}. Lower LearningRate, set " +
               "GradientClipping = GlobalNorm with ClippingThreshold = 1, use Normalization = LayerNorm, " +
               "or use an initialization that matches the activation (HeNormal for ReLU, XavierUniform for tanh).")
    {
        Epoch = epoch;
        Step = step;
    }

    /// <summary>The epoch in which training diverged, from 1.</summary>
    public int Epoch { get; }

    /// <summary>The optimizer step at which training diverged, from 1.</summary>
    public long Step { get; }
}
