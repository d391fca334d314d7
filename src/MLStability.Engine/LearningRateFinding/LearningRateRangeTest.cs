using System.Globalization;

namespace MLStability;

/// <summary>One step of a learning-rate range test: the rate it used, its mini-batch loss and the smoothed loss.</summary>
/// <param name="LearningRate">The step's learning rate.</param>
/// <param name="Loss">The mini-batch loss before the step (non-finite where the test diverged).</param>
/// <param name="SmoothedLoss">The bias-corrected exponential moving average of the losses so far.</param>
public sealed record LearningRatePoint(double LearningRate, double Loss, double SmoothedLoss);

/// <summary>
/// The result of a learning-rate range test: the curve, and the rates read from it. <see cref="SuggestedLearningRate"/>
/// is the rate at the smoothed loss's minimum divided by 10 (Smith 2017; fastai's <c>lr_min / 10</c>): one decade
/// below the point where the loss stops falling, which leaves room for the schedule's peak and later steps. When no
/// rate lowered the loss (it diverged from the first steps: an unstable network, not a rate to tune), there is no
/// suggestion.
/// </summary>
public sealed class LearningRateRangeTest
{
    internal LearningRateRangeTest(IReadOnlyList<LearningRatePoint> points, bool diverged, LearningRateFinderOptions settings)
    {
        if (points.Count == 0)
            throw new ArgumentException("A range test needs at least one step.", nameof(points));
        Points = points;
        Diverged = diverged;
        Settings = settings;
        var finite = points.Where(p => double.IsFinite(p.SmoothedLoss)).ToList();
        var lowest = finite.Count > 0 ? finite.MinBy(p => p.SmoothedLoss)! : points[0];
        MinimumLossLearningRate = lowest.LearningRate;
        bool lossFell = finite.Count > 1 && lowest.SmoothedLoss < finite[0].SmoothedLoss;
        SuggestedLearningRate = lossFell ? lowest.LearningRate / 10 : null;
        SteepestLearningRate = lossFell ? Steepest(finite) : null;
    }

    /// <summary>Every step that ran, in order of increasing learning rate.</summary>
    public IReadOnlyList<LearningRatePoint> Points { get; }

    /// <summary>True when the test stopped because the loss diverged (not finite, or above the divergence factor).</summary>
    public bool Diverged { get; }

    /// <summary>The settings the test ran with.</summary>
    public LearningRateFinderOptions Settings { get; }

    /// <summary>The learning rate where the smoothed loss was lowest.</summary>
    public double MinimumLossLearningRate { get; }

    /// <summary>
    /// The suggested peak learning rate: <see cref="MinimumLossLearningRate"/> / 10; null when no rate in the range
    /// lowered the smoothed loss below its first value.
    /// </summary>
    public double? SuggestedLearningRate { get; }

    /// <summary>
    /// The rate where the smoothed loss fell fastest per decade of learning rate, before its minimum (PyTorch
    /// Lightning's suggestion); an alternative reading of the same curve. Null without a suggestion.
    /// </summary>
    public double? SteepestLearningRate { get; }

    /// <summary>The suggestion and how the test ended, in one line.</summary>
    public override string ToString()
    {
        string range = FormattableString.Invariant(
            $"Learning-rate range test: {Points.Count} steps from {Points[0].LearningRate:G3} to {Points[^1].LearningRate:G3}{(Diverged ? ", stopped at divergence" : "")}; ");
        return range + (SuggestedLearningRate is double suggested
            ? FormattableString.Invariant($"lowest smoothed loss at {MinimumLossLearningRate:G3}, steepest descent at {SteepestLearningRate:G3}; suggested learning rate {suggested:G3}.")
            : "no rate lowered the loss: the network diverges even at the smallest rate, so fix its stability (initialization, " +
              "normalization, clipping) before tuning the rate.");
    }

    /// <summary>Writes the curve as CSV (learning_rate, loss, smoothed_loss) for plotting elsewhere.</summary>
    /// <param name="path">The file to write.</param>
    public void SaveCsv(string path)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine("learning_rate,loss,smoothed_loss");
        foreach (var p in Points)
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{p.LearningRate:R},{p.Loss:R},{p.SmoothedLoss:R}"));
    }

    /// <summary>The most negative slope d(smoothed loss)/d(log10 rate) up to the minimum, skipping the first tenth.</summary>
    private static double? Steepest(IReadOnlyList<LearningRatePoint> points)
    {
        int minimum = 0;
        for (int i = 1; i < points.Count; i++)
        {
            if (points[i].SmoothedLoss < points[minimum].SmoothedLoss)
                minimum = i;
        }
        double bestSlope = 0;
        double? rate = null;
        for (int i = Math.Max(1, points.Count / 10); i <= minimum; i++)
        {
            double run = Math.Log10(points[i].LearningRate) - Math.Log10(points[i - 1].LearningRate);
            double slope = (points[i].SmoothedLoss - points[i - 1].SmoothedLoss) / run;
            if (slope < bestSlope)
            {
                bestSlope = slope;
                rate = points[i].LearningRate;
            }
        }
        return rate;
    }
}
