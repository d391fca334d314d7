using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MLStability;

/// <summary>
/// What training saw and what it means: per-epoch progress and per-layer gradient-health statistics, a verdict per
/// epoch and for the run (rules in <see cref="GradientHealthVerdict"/>), the evidence, remedies phrased as option
/// changes, and every instability event with the action taken.
/// </summary>
public sealed class TrainingReport
{
    internal TrainingReport(IReadOnlyList<EpochDiagnostics> epochs, IReadOnlyList<InstabilityEvent> events,
        GradientHealthVerdict verdict, string evidence, IReadOnlyList<string> remedies, bool completed)
    {
        Epochs = epochs;
        Events = events;
        Verdict = verdict;
        Evidence = evidence;
        Remedies = remedies;
        Completed = completed;
    }

    /// <summary>One entry per finished epoch.</summary>
    public IReadOnlyList<EpochDiagnostics> Epochs { get; }

    /// <summary>Every instability and the action taken, in order.</summary>
    public IReadOnlyList<InstabilityEvent> Events { get; }

    /// <summary>
    /// The run's verdict: <see cref="GradientHealthVerdict.NonFinite"/> if training failed on a non-finite value,
    /// otherwise the verdict of the epoch whose weights the model holds (<see cref="WeightsEpoch"/>).
    /// </summary>
    public GradientHealthVerdict Verdict { get; }

    /// <summary>The numbers behind <see cref="Verdict"/>.</summary>
    public string Evidence { get; }

    /// <summary>Option changes that address <see cref="Verdict"/> (empty when healthy).</summary>
    public IReadOnlyList<string> Remedies { get; }

    /// <summary>False when training stopped with an error.</summary>
    public bool Completed { get; }

    /// <summary>
    /// The epoch whose weights the model holds: the last one, or with a validation split the one with the best
    /// validation loss, which training restores at the end (early stopping or not). 0 when no epoch finished.
    /// </summary>
    public int WeightsEpoch { get; init; }

    /// <summary>The epoch after which this run resumed from a checkpoint, or null when it started from scratch.</summary>
    public int? ResumedAfterEpoch { get; init; }

    /// <summary>
    /// Recurrent networks: the norm of the loss gradient with respect to each step's input (first step to last), on
    /// the first training batch. Null for other networks.
    /// </summary>
    public IReadOnlyList<double>? StepGradientsAtStart { get; init; }

    /// <summary>Recurrent networks: as <see cref="StepGradientsAtStart"/>, on the last training batch. Null for other networks.</summary>
    public IReadOnlyList<double>? StepGradientsAtEnd { get; init; }

    /// <summary>
    /// Recurrent networks: how much of the gradient reaches the first step from the loss, relative to the last step,
    /// on the first training batch (StepGradientsAtStart[0] / StepGradientsAtStart[^1]). Values like 1e-10 mean the
    /// early steps cannot be learned from (vanishing through time). NaN for other networks.
    /// </summary>
    public double FirstToLastStepGradientRatio =>
        StepGradientsAtStart is { Count: > 0 } g ? g[0] / g[^1] : double.NaN;

    /// <summary>
    /// The kernel self-check's verdict for every operation family and shape class the network uses on CPU: which
    /// implementation ran (LibTorch's kernel, or a workaround where LibTorch's is wrong on this processor) and the
    /// measured errors. Empty on CUDA and with MLSTABILITY_KERNEL_ROUTES=library.
    /// </summary>
    public IReadOnlyList<KernelRoute> KernelRoutes { get; init; } = Array.Empty<KernelRoute>();

    /// <summary>
    /// The number format the training steps ran in: <see cref="PrecisionKind.BFloat16"/> when bfloat16 was asked for, or
    /// chosen by <see cref="PrecisionKind.Auto"/>, and passed its check; <see cref="PrecisionKind.Float32"/> otherwise.
    /// </summary>
    public PrecisionKind Precision { get; init; } = PrecisionKind.Float32;

    /// <summary>
    /// How an automatic <see cref="DeepNetworkOptions.HiddenLayers"/> was chosen on this small table (a linear model, the
    /// MLP or both with weights, from cross-validated held-out outputs), or null when the depth was set or the table is
    /// too large to compare. When both were kept, this report's epochs are the MLP's training; the linear model trains
    /// apart on the same rows and is added with its weight afterwards.
    /// </summary>
    public DepthSelection? DepthSelection { get; init; }

    /// <summary>
    /// How an automatic <see cref="DeepNetworkOptions.NumericEmbedding"/> was chosen on a table above
    /// <see cref="DepthSelection.MaximumRows"/> training rows (the MLP with and without the periodic embedding, on
    /// held-out rows), or null when the embedding was set, the table is small or wide, or the data streamed.
    /// </summary>
    public EmbeddingSelection? EmbeddingSelection { get; init; }

    /// <summary>The run's first-hidden-layer to head gradient-norm ratio in the last epoch with statistics.</summary>
    public double FirstToLastGradientRatio =>
        Epochs.LastOrDefault(e => e.Layers.Count >= 2)?.FirstToLastGradientRatio ?? double.NaN;

    /// <summary>A markdown rendering: summary, per-epoch table, last epoch's layers, events, remedies.</summary>
    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine($"## Training report: {Verdict}{(Completed ? "" : " (training failed)")}").AppendLine();
        md.AppendLine($"Evidence: {Evidence}").AppendLine();
        if (DepthSelection != null)
            md.AppendLine($"Depth: {DepthSelection}.").AppendLine();
        if (EmbeddingSelection != null)
            md.AppendLine($"Embedding: {EmbeddingSelection}.").AppendLine();
        if (Epochs.Count > 0 && WeightsEpoch != Epochs[^1].Progress.Epoch)
            md.AppendLine($"The model holds the weights of epoch {WeightsEpoch} (best validation loss), not of the last epoch.").AppendLine();
        if (Remedies.Count > 0)
        {
            md.AppendLine("Remedies:");
            foreach (string remedy in Remedies)
                md.AppendLine($"- {remedy}");
            md.AppendLine();
        }
        if (StepGradientsAtStart is { Count: > 0 } atStart)
            md.AppendLine($"Gradient reaching the first of {atStart.Count} steps, relative to the last step: " +
                          $"{F(FirstToLastStepGradientRatio)} on the first batch" +
                          (StepGradientsAtEnd is { Count: > 0 } atEnd ? $", {F(atEnd[0] / atEnd[^1])} on the last batch." : ".")).AppendLine();
        md.AppendLine("| epoch | loss | val loss | val acc | lr | first/last grad | verdict |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var e in Epochs)
        {
            var p = e.Progress;
            md.AppendLine($"| {p.Epoch} | {F(p.TrainingLoss)} | {F(p.ValidationLoss)} | {F(p.ValidationAccuracy)} | {F(p.LearningRate)} | {F(e.FirstToLastGradientRatio)} | {e.Verdict} |");
        }
        var last = Epochs.LastOrDefault(e => e.Layers.Count > 0);
        if (last != null)
        {
            md.AppendLine().AppendLine($"Layers in epoch {last.Progress.Epoch} (averages of {last.SampledSteps} sampled steps):").AppendLine();
            bool attention = last.Layers.Any(l => l.AttentionEntropy != null);
            md.AppendLine("| layer | grad norm | weight norm | update/weight | non-finite | act mean | act std | saturated | dead |" + (attention ? " attn entropy |" : ""));
            md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- |" + (attention ? " --- |" : ""));
            foreach (var l in last.Layers)
                md.AppendLine($"| {l.Layer} | {F(l.GradientNorm)} | {F(l.WeightNorm)} | {F(l.UpdateRatio)} | {F(l.NonFiniteGradientFraction)} | {F(l.ActivationMean)} | {F(l.ActivationStd)} | {F(l.SaturatedFraction)} | {F(l.DeadFraction)} |" +
                              (attention ? $" {(l.AttentionEntropy is double h ? F(h) : "")} |" : ""));
        }
        if (KernelRoutes.Any(r => r.IsRouted))
        {
            md.AppendLine().AppendLine("Kernels routed around faults of LibTorch on this processor:").AppendLine();
            foreach (var route in KernelRoutes.Where(r => r.IsRouted))
                md.AppendLine($"- {route}");
        }
        if (Events.Count > 0)
        {
            md.AppendLine().AppendLine("Instability events:").AppendLine();
            foreach (var ev in Events)
                md.AppendLine($"- epoch {ev.Epoch}, step {ev.Step}: {ev.Kind} -> {ev.Action} ({ev.Detail})");
        }
        return md.ToString();
    }

    /// <summary>A plain-text summary: verdict, evidence, remedies and events.</summary>
    public override string ToString()
    {
        var text = new StringBuilder($"Verdict: {Verdict}{(Completed ? "" : " (training failed)")}. {Evidence}.");
        if (Remedies.Count > 0)
            text.Append(" Remedies: ").Append(string.Join("; ", Remedies)).Append('.');
        if (Events.Count > 0)
            text.Append($" Instability events: {Events.Count} ({string.Join(", ", Events.Select(e => $"{e.Kind}->{e.Action} at step {e.Step}"))}).");
        if (KernelRoutes.Count(r => r.IsRouted) is int routed and > 0)
            text.Append($" Kernels routed around LibTorch faults: {routed} ({string.Join("; ", KernelRoutes.Where(r => r.IsRouted))}).");
        return text.ToString();
    }

    /// <summary>The whole report as JSON (enums as names).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    private static JsonSerializerOptions Json => JsonDefaults.Options;

    private static string F(double? value) => value is double v ? v.ToString("G3", CultureInfo.InvariantCulture) : "-";
}

/// <summary>Collects a run's epochs and events, then judges them.</summary>
internal sealed class TrainingReportBuilder(DeepNetworkOptions options)
{
    private readonly List<EpochDiagnostics> epochs = new();
    private int eventsSeen;

    public GradientHealthVerdict? LastVerdict => epochs.LastOrDefault()?.Verdict;

    /// <summary>The epoch after which training resumed from a checkpoint, if it did.</summary>
    public int? ResumedAfterEpoch { get; set; }

    /// <summary>The epoch whose weights training returns, when it is not the last (the best validation epoch).</summary>
    public int? WeightsEpoch { get; set; }

    /// <summary>Recurrent networks' per-step input gradients on the first training batch (kept in checkpoints).</summary>
    public IReadOnlyList<double>? StepGradientsAtStart { get; set; }

    /// <summary>Recurrent networks' per-step input gradients on the last training batch.</summary>
    public IReadOnlyList<double>? StepGradientsAtEnd { get; set; }

    /// <summary>The kernel self-check's verdicts for this network, and the routes its training steps' audit added.</summary>
    public IReadOnlyList<KernelRoute> KernelRoutes { get; set; } = Array.Empty<KernelRoute>();

    /// <summary>The number format the steps ran in.</summary>
    public PrecisionKind Precision { get; init; } = PrecisionKind.Float32;

    /// <summary>How an automatic HiddenLayers was chosen, or null.</summary>
    public DepthSelection? DepthSelection { get; init; }

    /// <summary>How an automatic NumericEmbedding was chosen, or null.</summary>
    public EmbeddingSelection? EmbeddingSelection { get; init; }

    public void Capture(CheckpointFile checkpoint)
    {
        checkpoint.Set("report.epochs", epochs);
        checkpoint.Set("report.events_seen", eventsSeen);
        checkpoint.Set("report.step_gradients_start", StepGradientsAtStart?.ToArray());
    }

    public void Restore(CheckpointFile checkpoint)
    {
        epochs.Clear();
        epochs.AddRange(checkpoint.Get<List<EpochDiagnostics>>("report.epochs"));
        eventsSeen = checkpoint.Get<int>("report.events_seen");
        StepGradientsAtStart = checkpoint.Get<double[]?>("report.step_gradients_start");
    }

    public void AddEpoch(EpochProgress progress, IReadOnlyList<LayerStatistics> layers, int samples, IReadOnlyList<InstabilityEvent> allEvents)
    {
        var epochEvents = allEvents.Skip(eventsSeen).ToList();
        eventsSeen = allEvents.Count;
        var (verdict, evidence) = VerdictRules.Judge(layers, epochEvents);
        epochs.Add(new EpochDiagnostics(progress, layers, samples, verdict, evidence));
    }

    public TrainingReport Build(IReadOnlyList<InstabilityEvent> events, string? failure = null)
    {
        GradientHealthVerdict verdict;
        string evidence;
        if (failure != null)
        {
            verdict = events.Any(e => e.Kind != InstabilityKind.LossSpike) ? GradientHealthVerdict.NonFinite
                : epochs.LastOrDefault()?.Verdict ?? GradientHealthVerdict.Exploding;
            evidence = failure;
        }
        else if (epochs.Count > 0)
        {
            var returned = epochs.LastOrDefault(e => e.Progress.Epoch == WeightsEpoch) ?? epochs[^1];
            (verdict, evidence) = (returned.Verdict, returned.Evidence);
        }
        else
        {
            (verdict, evidence) = (GradientHealthVerdict.Healthy, "no epochs");
        }
        return new TrainingReport(epochs.ToArray(), events.ToArray(), verdict, evidence,
            VerdictRules.Remedies(verdict, options), completed: failure == null)
        {
            ResumedAfterEpoch = ResumedAfterEpoch,
            WeightsEpoch = WeightsEpoch ?? epochs.LastOrDefault()?.Progress.Epoch ?? 0,
            StepGradientsAtStart = StepGradientsAtStart,
            StepGradientsAtEnd = StepGradientsAtEnd,
            KernelRoutes = KernelRoutes,
            Precision = Precision,
            DepthSelection = DepthSelection,
            EmbeddingSelection = EmbeddingSelection,
        };
    }
}
