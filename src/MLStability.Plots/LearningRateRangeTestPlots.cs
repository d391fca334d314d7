using ScottPlot;

namespace MLStability;

/// <summary>Draws a <see cref="LearningRateRangeTest"/>: loss against learning rate on a log axis, with the suggestion marked.</summary>
public static class LearningRateRangeTestPlots
{
    private const int Width = 900, Height = 500;

    /// <summary>
    /// Writes the range test's curve as a PNG: the mini-batch losses (faint), the smoothed loss, and vertical lines at
    /// the lowest smoothed loss and at the suggested learning rate (when there is one).
    /// </summary>
    /// <param name="test">The result of <c>FindLearningRate</c>.</param>
    /// <param name="path">The PNG file to write; its folder is created if missing.</param>
    /// <returns><paramref name="path"/>.</returns>
    public static string SavePlot(this LearningRateRangeTest test, string path)
    {
        ArgumentNullException.ThrowIfNull(test);
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is string directory)
            Directory.CreateDirectory(directory);
        var finite = test.Points.Where(p => double.IsFinite(p.Loss) && double.IsFinite(p.SmoothedLoss)).ToList();
        double[] rates = finite.Select(p => Math.Log10(p.LearningRate)).ToArray();
        var plot = new Plot();
        var raw = plot.Add.Scatter(rates, finite.Select(p => p.Loss).ToArray());
        raw.LegendText = "mini-batch loss";
        raw.Color = Colors.Gray.WithAlpha(0.5);
        raw.MarkerSize = 0;
        var smoothed = plot.Add.Scatter(rates, finite.Select(p => p.SmoothedLoss).ToArray());
        smoothed.LegendText = "smoothed loss";
        smoothed.LineWidth = 2;
        smoothed.MarkerSize = 0;
        smoothed.Color = Colors.Blue;
        plot.Add.VerticalLine(Math.Log10(test.MinimumLossLearningRate), color: Colors.Orange).LegendText =
            $"lowest smoothed loss ({test.MinimumLossLearningRate:G2})";
        if (test.SuggestedLearningRate is double suggested)
            plot.Add.VerticalLine(Math.Log10(suggested), color: Colors.Green).LegendText = $"suggested ({suggested:G2})";
        if (finite.Count > 0)
        {
            // The diverging tail would flatten the interesting part: show up to twice the first smoothed loss.
            double low = finite.Min(p => p.SmoothedLoss), high = Math.Max(2 * finite[0].SmoothedLoss, 1.1 * low);
            plot.Axes.SetLimitsY(0.9 * Math.Min(low, finite.Min(p => p.Loss)), high);
        }
        plot.Title("Learning-rate range test");
        plot.XLabel("log10 learning rate");
        plot.YLabel("training loss");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
        return path;
    }
}
