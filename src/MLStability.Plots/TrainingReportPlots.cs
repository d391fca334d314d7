using ScottPlot;

namespace MLStability;

/// <summary>
/// Renders a <see cref="TrainingReport"/> as PNG plots with ScottPlot. A separate assembly (MLStability.Plots), so that
/// the engine and apps that only score carry no drawing library.
/// </summary>
public static class TrainingReportPlots
{
    private const int Width = 900, Height = 500;
    private const double Floor = -40; // log10 of a zero gradient norm is drawn at 1e-40

    /// <summary>
    /// Writes PNG plots into <paramref name="directory"/>: gradient flow (per-layer gradient norm, log scale, one line
    /// per epoch), a per-layer heat map over epochs, loss and accuracy curves, and the learning rate.
    /// </summary>
    /// <param name="report">The training report to draw.</param>
    /// <param name="directory">Created if missing.</param>
    /// <returns>The paths written.</returns>
    public static IReadOnlyList<string> SavePlots(this TrainingReport report, string directory)
    {
        ArgumentNullException.ThrowIfNull(report);
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        var withLayers = report.Epochs.Where(e => e.Layers.Count > 0).ToList();
        if (withLayers.Count > 0)
        {
            written.Add(GradientFlow(withLayers, Path.Combine(directory, "gradient_flow.png")));
            written.Add(GradientHeatmap(withLayers, Path.Combine(directory, "gradient_heatmap.png")));
        }
        if (report.Epochs.Count > 0)
        {
            written.Add(LossAndAccuracy(report, Path.Combine(directory, "loss_accuracy.png")));
            written.Add(LearningRate(report, Path.Combine(directory, "learning_rate.png")));
        }
        return written;
    }

    private static string GradientFlow(IReadOnlyList<EpochDiagnostics> epochs, string path)
    {
        var plot = new Plot();
        var colors = new ScottPlot.Colormaps.Viridis();
        for (int i = 0; i < epochs.Count; i++)
        {
            var layers = epochs[i].Layers;
            var line = plot.Add.Scatter(Enumerable.Range(0, layers.Count).Select(x => (double)x).ToArray(),
                layers.Select(l => Log10(l.GradientNorm)).ToArray());
            line.Color = colors.GetColor(epochs.Count == 1 ? 0 : (double)i / (epochs.Count - 1));
            line.LegendText = $"epoch {epochs[i].Progress.Epoch}";
            line.MarkerSize = layers.Count > 60 ? 0 : 5; // deep networks: lines only
        }
        SetThinTicks(plot.Axes.Bottom, epochs[0].Layers.Select(l => l.Layer).ToArray());
        plot.Title("Gradient flow: weight-gradient L2 norm per layer (before clipping)");
        plot.XLabel("layer (input -> output)");
        plot.YLabel("log10 gradient norm");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static string GradientHeatmap(IReadOnlyList<EpochDiagnostics> epochs, string path)
    {
        int layers = epochs[0].Layers.Count;
        var values = new double[layers, epochs.Count];
        for (int l = 0; l < layers; l++)
            for (int e = 0; e < epochs.Count; e++)
                values[layers - 1 - l, e] = Log10(epochs[e].Layers[l].GradientNorm); // head on top
        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Turbo();
        plot.Add.ColorBar(heatmap).Label = "log10 gradient norm";
        SetThinTicks(plot.Axes.Bottom, epochs.Select(e => e.Progress.Epoch.ToString()).ToArray());
        SetThinTicks(plot.Axes.Left, epochs[0].Layers.Select(l => l.Layer).ToArray());
        plot.Title("Gradient norm per layer over training");
        plot.XLabel("epoch");
        plot.YLabel("layer");
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static string LossAndAccuracy(TrainingReport report, string path)
    {
        var plot = new Plot();
        double[] epochs = report.Epochs.Select(e => (double)e.Progress.Epoch).ToArray();
        double[] trainingLoss = report.Epochs.Select(e => e.Progress.TrainingLoss).ToArray();
        // Exploding runs reach losses like 1e18: switch to a log scale when the losses span three decades.
        bool logScale = trainingLoss.Where(double.IsFinite).DefaultIfEmpty(1).Max() > 1e3 * trainingLoss.Where(double.IsFinite).DefaultIfEmpty(1).Min();
        Func<double, double> scale = logScale ? Log10 : v => v;
        var training = plot.Add.Scatter(epochs, trainingLoss.Select(scale).ToArray());
        training.LegendText = "training loss";
        if (report.Epochs.All(e => e.Progress.ValidationLoss.HasValue))
        {
            var validation = plot.Add.Scatter(epochs, report.Epochs.Select(e => scale(e.Progress.ValidationLoss!.Value)).ToArray());
            validation.LegendText = "validation loss";
            var accuracy = plot.Add.Scatter(epochs, report.Epochs.Select(e => e.Progress.ValidationAccuracy!.Value).ToArray());
            accuracy.LegendText = "validation accuracy (right axis)";
            accuracy.Axes.YAxis = plot.Axes.Right;
            plot.Axes.Right.Label.Text = "accuracy";
        }
        plot.Title("Loss and accuracy");
        plot.XLabel("epoch");
        plot.YLabel(logScale ? "log10 cross-entropy" : "cross-entropy");
        plot.ShowLegend(Alignment.UpperRight);
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static string LearningRate(TrainingReport report, string path)
    {
        var plot = new Plot();
        plot.Add.Scatter(report.Epochs.Select(e => (double)e.Progress.Epoch).ToArray(),
            report.Epochs.Select(e => e.Progress.LearningRate).ToArray());
        foreach (var ev in report.Events.Where(e => e.Action == InstabilityPolicy.Rollback))
            plot.Add.VerticalLine(ev.Epoch, color: Colors.Red).LegendText = "rollback";
        plot.Title("Learning rate at the end of each epoch");
        plot.XLabel("epoch");
        plot.YLabel("learning rate");
        plot.SavePng(path, Width, Height);
        return path;
    }

    private static double Log10(double value) => value > 0 && double.IsFinite(value) ? Math.Max(Floor, Math.Log10(value)) : Floor;

    /// <summary>Labels at most about 12 positions (and the last), so deep networks stay readable.</summary>
    private static void SetThinTicks(ScottPlot.IAxis axis, string[] names)
    {
        int every = Math.Max(1, (int)Math.Ceiling(names.Length / 11.0));
        var kept = Enumerable.Range(0, names.Length).Where(i => i % every == 0 || i == names.Length - 1).ToArray();
        axis.SetTicks(kept.Select(i => (double)i).ToArray(), kept.Select(i => names[i]).ToArray());
    }
}
