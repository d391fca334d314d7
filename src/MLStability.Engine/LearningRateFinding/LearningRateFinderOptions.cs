namespace MLStability;

/// <summary>
/// Settings of the learning-rate range test (Smith 2017, "Cyclical Learning Rates for Training Neural Networks",
/// section 3.3; fastai's <c>lr_find</c>): the rate grows exponentially from <see cref="StartLearningRate"/> to
/// <see cref="EndLearningRate"/> over <see cref="Steps"/> optimizer steps, and the test stops when the smoothed loss
/// exceeds <see cref="DivergenceFactor"/> times its minimum.
/// </summary>
public sealed class LearningRateFinderOptions
{
    /// <summary>Learning rate of the first step. Default 1e-7; valid range (0, <see cref="EndLearningRate"/>).</summary>
    public double StartLearningRate { get; set; } = 1e-7;

    /// <summary>Learning rate of the last step. Default 10; valid range (<see cref="StartLearningRate"/>, 1e3].</summary>
    public double EndLearningRate { get; set; } = 10;

    /// <summary>Optimizer steps of the test (at most; it stops early at divergence). Default 200; at least 10.</summary>
    public int Steps { get; set; } = 200;

    /// <summary>
    /// Factor of the exponential moving average that smooths the loss (bias-corrected, as fastai does). Default 0.9;
    /// valid range [0, 1): 0 means no smoothing.
    /// </summary>
    public double Smoothing { get; set; } = 0.9;

    /// <summary>The test stops when the smoothed loss exceeds this multiple of its minimum. Default 4; greater than 1.</summary>
    public double DivergenceFactor { get; set; } = 4;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first setting outside its range.</summary>
    public void Validate()
    {
        if (!(StartLearningRate > 0) || !double.IsFinite(StartLearningRate))
            throw new ArgumentOutOfRangeException(nameof(StartLearningRate), StartLearningRate, "Must be a positive number.");
        if (!(EndLearningRate > StartLearningRate) || EndLearningRate > 1e3)
            throw new ArgumentOutOfRangeException(nameof(EndLearningRate), EndLearningRate, $"Must be above StartLearningRate ({StartLearningRate}) and at most 1000.");
        if (Steps < 10)
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "At least 10 steps are needed to see a curve.");
        if (!(Smoothing >= 0 && Smoothing < 1))
            throw new ArgumentOutOfRangeException(nameof(Smoothing), Smoothing, "Must be in [0, 1).");
        if (!(DivergenceFactor > 1) || !double.IsFinite(DivergenceFactor))
            throw new ArgumentOutOfRangeException(nameof(DivergenceFactor), DivergenceFactor, "Must be a finite number above 1.");
    }

    /// <summary>The learning rate of step <paramref name="index"/> (0-based): start × (end / start)^(index / (steps − 1)).</summary>
    public double RateAt(int index) => StartLearningRate * Math.Pow(EndLearningRate / StartLearningRate, index / (double)(Steps - 1));
}
