using System.Globalization;

namespace MLStability;

/// <summary>
/// The documented rules that turn an epoch's statistics into a <see cref="GradientHealthVerdict"/>, checked in this
/// order (the first that fires wins):
/// <list type="number">
/// <item>NonFinite: a non-finite loss or gradient event in the epoch, or non-finite values in sampled gradients.</item>
/// <item>Exploding: a layer's gradient norm above 1e3, or first-layer / last-layer gradient norm above 1e3.</item>
/// <item>Vanishing: first-layer / last-layer gradient norm below 1e-3, or a first-layer gradient norm below 1e-8.</item>
/// <item>SaturatedUnits: on average over hidden layers, more than half of sigmoid/tanh outputs within 0.01 of a bound.</item>
/// <item>DeadUnits: on average over hidden layers, more than half of ReLU-family units never positive in a batch.</item>
/// </list>
/// </summary>
internal static class VerdictRules
{
    public const double ExplodingNorm = 1e3, ExplodingRatio = 1e3, VanishingRatio = 1e-3, VanishingNorm = 1e-8;
    public const double SaturatedShare = 0.5, DeadShare = 0.5;

    public static (GradientHealthVerdict Verdict, string Evidence) Judge(IReadOnlyList<LayerStatistics> layers,
        IReadOnlyCollection<InstabilityEvent> epochEvents)
    {
        var nonFiniteEvents = epochEvents.Count(e => e.Kind != InstabilityKind.LossSpike);
        if (nonFiniteEvents > 0)
            return (GradientHealthVerdict.NonFinite, $"{nonFiniteEvents} non-finite loss/gradient event(s) this epoch");
        if (layers.Count == 0)
            return (GradientHealthVerdict.Healthy, "no per-layer statistics (DiagnosticsInterval = 0)");
        var nonFinite = layers.Where(l => l.NonFiniteGradientFraction > 0).ToList();
        if (nonFinite.Count > 0)
            return (GradientHealthVerdict.NonFinite, $"non-finite gradient values in {string.Join(", ", nonFinite.Select(l => l.Layer))}");

        var first = layers[0];
        var last = layers[^1];
        double ratio = first.GradientNorm / last.GradientNorm;
        string ratioText = $"first/last gradient norm {F(first.GradientNorm)} / {F(last.GradientNorm)} = {F(ratio)}";
        var largest = layers.MaxBy(l => l.GradientNorm)!;
        if (largest.GradientNorm > ExplodingNorm || ratio > ExplodingRatio)
            return (GradientHealthVerdict.Exploding, $"largest gradient norm {F(largest.GradientNorm)} ({largest.Layer}); {ratioText}");
        if (ratio < VanishingRatio || first.GradientNorm < VanishingNorm || double.IsNaN(ratio))
            return (GradientHealthVerdict.Vanishing, ratioText);

        var hidden = layers.Take(layers.Count - 1).ToList();
        if (hidden.Count > 0)
        {
            double saturated = hidden.Average(l => l.SaturatedFraction);
            if (saturated > SaturatedShare)
                return (GradientHealthVerdict.SaturatedUnits, $"{saturated:P0} of hidden outputs saturated; {ratioText}");
            double dead = hidden.Average(l => l.DeadFraction);
            if (dead > DeadShare)
                return (GradientHealthVerdict.DeadUnits, $"{dead:P0} of hidden units dead; {ratioText}");
        }
        return (GradientHealthVerdict.Healthy, ratioText);
    }

    /// <summary>Concrete option changes for a verdict, given what the run used.</summary>
    public static IReadOnlyList<string> Remedies(GradientHealthVerdict verdict, DeepNetworkOptions o)
    {
        var remedies = new List<string>();
        void Add(bool applies, string remedy) { if (applies) remedies.Add(remedy); }
        bool bounded = o.Activation is ActivationKind.Sigmoid or ActivationKind.Tanh;
        switch (verdict)
        {
            case GradientHealthVerdict.Vanishing:
                Add(!o.ResidualConnections, "set ResidualConnections = true");
                Add(o.Normalization == NormalizationKind.None, "set Normalization = NormalizationKind.LayerNorm");
                Add(bounded, "use Activation = ActivationKind.ReLU with Initialization = InitializationKind.HeNormal");
                Add(!bounded && o.Initialization is not (InitializationKind.HeNormal or InitializationKind.HeUniform),
                    "use InitializationKind.HeNormal with ReLU-family activations");
                Add(bounded && o.Initialization == InitializationKind.Default, "use InitializationKind.XavierUniform with sigmoid or tanh");
                break;
            case GradientHealthVerdict.Exploding:
            case GradientHealthVerdict.NonFinite:
                Add(o.GradientClipping == GradientClippingKind.None, "set GradientClipping = GradientClippingKind.GlobalNorm, ClippingThreshold = 1");
                Add(true, $"lower LearningRate (e.g. {F(o.LearningRate / 10)})");
                Add(o.Normalization == NormalizationKind.None, "set Normalization = NormalizationKind.LayerNorm");
                Add(o.Initialization == InitializationKind.StandardNormal, "use InitializationKind.HeNormal (ReLU) or XavierUniform (tanh) instead of StandardNormal");
                Add(o.WarmupSteps == 0, "set WarmupSteps = 100");
                Add(o.OnInstability != InstabilityPolicy.Rollback, "set OnInstability = InstabilityPolicy.Rollback");
                break;
            case GradientHealthVerdict.SaturatedUnits:
                Add(true, "use Activation = ActivationKind.ReLU or GELU");
                Add(o.Normalization == NormalizationKind.None, "set Normalization = NormalizationKind.LayerNorm");
                Add(o.Initialization is InitializationKind.Default or InitializationKind.StandardNormal, "use InitializationKind.XavierUniform with sigmoid or tanh");
                break;
            case GradientHealthVerdict.DeadUnits:
                Add(true, "use Activation = ActivationKind.LeakyReLU or GELU");
                Add(true, $"lower LearningRate (e.g. {F(o.LearningRate / 10)})");
                Add(o.Initialization != InitializationKind.HeNormal, "use InitializationKind.HeNormal");
                break;
        }
        return remedies;
    }

    private static string F(double value) => value.ToString("G3", CultureInfo.InvariantCulture);
}
