namespace MLStability;

/// <summary>
/// The learning rate at each optimizer step: linear warmup (at most a tenth of the run, so a short run still reaches
/// its peak rate), then the closed form of <see cref="LearningRateScheduleKind"/>. Pure arithmetic, so tests compare it
/// with the formulas directly.
/// </summary>
internal sealed class LearningRateSchedule
{
    private readonly LearningRateScheduleKind kind;
    private readonly double peak, minimum, decay;
    private readonly long warmupSteps, decaySteps, totalSteps;

    /// <summary>Warmup takes at most 1 / this of the run's steps.</summary>
    public const int MaximumWarmupShare = 10;

    /// <param name="options">The schedule settings.</param>
    /// <param name="stepsPerEpoch">Optimizer steps per epoch (the default decay interval).</param>
    /// <param name="totalSteps">Optimizer steps in the whole run.</param>
    public LearningRateSchedule(DeepNetworkOptions options, long stepsPerEpoch, long totalSteps)
    {
        kind = options.LearningRateSchedule;
        peak = options.EffectiveLearningRate;
        minimum = options.MinimumLearningRate;
        decay = options.LearningRateDecay;
        warmupSteps = Math.Min(options.WarmupSteps, totalSteps / MaximumWarmupShare);
        decaySteps = options.LearningRateDecaySteps > 0 ? options.LearningRateDecaySteps : Math.Max(1, stepsPerEpoch);
        this.totalSteps = totalSteps;
    }

    /// <summary>The learning rate of optimizer step <paramref name="step"/> (0-based).</summary>
    public double At(long step)
    {
        if (step < warmupSteps)
            return peak * (step + 1) / warmupSteps;
        long t = step - warmupSteps;
        long span = Math.Max(1, totalSteps - warmupSteps - 1); // t runs from 0 to span at the last step.
        double progress = Math.Min(1.0, (double)t / span);
        return kind switch
        {
            LearningRateScheduleKind.Constant => peak,
            LearningRateScheduleKind.Step => peak * Math.Pow(decay, Math.Floor((double)t / decaySteps)),
            LearningRateScheduleKind.Exponential => peak * Math.Pow(decay, (double)t / decaySteps),
            LearningRateScheduleKind.Linear => peak + (minimum - peak) * progress,
            LearningRateScheduleKind.Cosine => minimum + (peak - minimum) * (1 + Math.Cos(Math.PI * progress)) / 2,
            _ => throw new InvalidOperationException($"Unknown schedule {kind}."),
        };
    }
}
