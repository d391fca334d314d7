namespace MLStability;

/// <summary>
/// The learning rate at each optimizer step: linear warmup (at most a tenth of the run, so a short run still reaches
/// its peak rate), then the closed form of <see cref="LearningRateScheduleKind"/>; OneCycle brings its own rise and a
/// momentum cycle, ReduceOnPlateau a factor that validation losses lower (<see cref="EndEpoch"/>). Pure arithmetic, so
/// tests compare it with the formulas directly.
/// </summary>
internal sealed class LearningRateSchedule
{
    private readonly LearningRateScheduleKind kind;
    private readonly double peak, minimum, decay;
    private readonly long warmupSteps, decaySteps, totalSteps;
    private readonly int plateauPatience;
    private double plateauBest = double.PositiveInfinity, plateauScale = 1;
    private int plateauBadEpochs;

    /// <summary>Warmup takes at most 1 / this of the run's steps.</summary>
    public const int MaximumWarmupShare = 10;

    /// <summary>OneCycle: the share of the run spent rising, the start and end divisors, the momentum range (PyTorch's defaults).</summary>
    public const double OneCycleRiseShare = 0.3, OneCycleStartDivisor = 25, OneCycleFinalDivisor = 1e4, OneCycleHighMomentum = 0.95, OneCycleLowMomentum = 0.85;

    /// <summary>ReduceOnPlateau: a validation loss counts as better only below best x (1 - this).</summary>
    public const double PlateauRelativeThreshold = 1e-4;

    /// <param name="options">The schedule settings.</param>
    /// <param name="stepsPerEpoch">Optimizer steps per epoch (the default decay interval).</param>
    /// <param name="totalSteps">Optimizer steps in the whole run.</param>
    public LearningRateSchedule(DeepNetworkOptions options, long stepsPerEpoch, long totalSteps)
    {
        kind = options.LearningRateSchedule;
        peak = options.EffectiveLearningRate;
        minimum = options.MinimumLearningRate;
        decay = options.LearningRateDecay;
        plateauPatience = options.PlateauPatience;
        warmupSteps = kind == LearningRateScheduleKind.OneCycle ? 0 : Math.Min(options.WarmupSteps, totalSteps / MaximumWarmupShare);
        decaySteps = options.LearningRateDecaySteps > 0 ? options.LearningRateDecaySteps : Math.Max(1, stepsPerEpoch);
        this.totalSteps = totalSteps;
    }

    /// <summary>The learning rate of optimizer step <paramref name="step"/> (0-based).</summary>
    public double At(long step)
    {
        if (kind == LearningRateScheduleKind.OneCycle)
            return OneCycle(step, peak / OneCycleStartDivisor, peak, peak / OneCycleStartDivisor / OneCycleFinalDivisor);
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
            LearningRateScheduleKind.ReduceOnPlateau => Math.Max(minimum, peak * plateauScale),
            _ => throw new InvalidOperationException($"Unknown schedule {kind}."),
        };
    }

    /// <summary>The momentum of step <paramref name="step"/> where the schedule cycles it (OneCycle), else null.</summary>
    public double? MomentumAt(long step) => kind == LearningRateScheduleKind.OneCycle
        ? OneCycle(step, OneCycleHighMomentum, OneCycleLowMomentum, OneCycleHighMomentum)
        : null;

    /// <summary>
    /// ReduceOnPlateau: counts an epoch without a better validation loss and lowers the rate after more than
    /// PlateauPatience of them in a row. Other schedules ignore it.
    /// </summary>
    public void EndEpoch(double? validationLoss)
    {
        if (kind != LearningRateScheduleKind.ReduceOnPlateau || validationLoss is not double loss)
            return;
        if (loss < plateauBest * (1 - PlateauRelativeThreshold))
        {
            plateauBest = loss;
            plateauBadEpochs = 0;
            return;
        }
        if (++plateauBadEpochs > plateauPatience)
        {
            plateauScale *= decay;
            plateauBadEpochs = 0;
        }
    }

    /// <summary>The factor ReduceOnPlateau has reached (1 for the other schedules).</summary>
    public double PlateauScale => plateauScale;

    /// <summary>Saves the plateau state into a checkpoint.</summary>
    public void Capture(CheckpointFile checkpoint)
    {
        checkpoint.Set("schedule.plateau_best", plateauBest);
        checkpoint.Set("schedule.plateau_bad", plateauBadEpochs);
        checkpoint.Set("schedule.plateau_scale", plateauScale);
    }

    /// <summary>Restores what <see cref="Capture"/> saved.</summary>
    public void Restore(CheckpointFile checkpoint)
    {
        plateauBest = checkpoint.Get<double>("schedule.plateau_best");
        plateauBadEpochs = checkpoint.Get<int>("schedule.plateau_bad");
        plateauScale = checkpoint.Get<double>("schedule.plateau_scale");
    }

    /// <summary>Half-cosine from <paramref name="start"/> to <paramref name="middle"/> over the rise, then to <paramref name="end"/>.</summary>
    private double OneCycle(long step, double start, double middle, double end)
    {
        double rise = Math.Max(1, OneCycleRiseShare * totalSteps - 1); // PyTorch's phase boundary, a float
        double fall = Math.Max(1, totalSteps - 1 - rise);
        return step <= rise
            ? Anneal(start, middle, step / rise)
            : Anneal(middle, end, Math.Min(1, (step - rise) / fall));
    }

    private static double Anneal(double from, double to, double progress) => to + (from - to) * (1 + Math.Cos(Math.PI * progress)) / 2;
}
