namespace MLStability;

/// <summary>An epoch's progress, per-layer statistics and verdict.</summary>
/// <param name="Progress">Loss, validation metrics, learning rate, time.</param>
/// <param name="Layers">Per-layer statistics, first hidden layer to head (empty when diagnostics are off).</param>
/// <param name="SampledSteps">How many steps the statistics average.</param>
/// <param name="Verdict">The epoch's diagnosis.</param>
/// <param name="Evidence">The numbers behind the verdict.</param>
public sealed record EpochDiagnostics(
    EpochProgress Progress,
    IReadOnlyList<LayerStatistics> Layers,
    int SampledSteps,
    GradientHealthVerdict Verdict,
    string Evidence)
{
    /// <summary>First hidden layer's gradient norm divided by the head's (NaN without statistics).</summary>
    public double FirstToLastGradientRatio =>
        Layers.Count < 2 ? double.NaN : Layers[0].GradientNorm / Layers[^1].GradientNorm;
}
