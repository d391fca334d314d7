using System.Globalization;

namespace MLStability;

/// <summary>
/// The documented rules that turn an epoch's statistics into a <see cref="GradientHealthVerdict"/>, checked in this
/// order (the first that fires wins). Every rule is scale-free: multiplying the targets, the loss or the inputs by a
/// constant does not change a verdict, so a healthy regression on targets in the millions is Healthy.
/// <list type="number">
/// <item>NonFinite: a non-finite loss or gradient event in the epoch, or non-finite values in sampled gradients.</item>
/// <item>Exploding: first-layer / last-layer gradient norm above 1e3 (the gradient grows on its way back); or the
/// activations' standard deviation grows more than 1e3-fold from the first hidden layer to the last (the signal grows
/// on its way forward); or a step changes some layer's weights by more than their own norm (update ratio above 1).</item>
/// <item>Vanishing: first-layer / last-layer gradient norm below 1e-3, or both zero.</item>
/// <item>AttentionCollapse: some Transformer block's attention entropy, divided by log(tokens), below 0.1 (the average
/// query attends to fewer than tokens^0.1 keys: 1.4 of 28).</item>
/// <item>SaturatedUnits: on average over hidden layers, more than half of sigmoid/tanh outputs within 0.01 of a bound.</item>
/// <item>DeadUnits: on average over hidden layers, more than half of ReLU units never positive in a batch (ReLU only:
/// the other activations pass gradients for negative inputs).</item>
/// </list>
/// </summary>
internal static class VerdictRules
{
    public const double ExplodingRatio = 1e3, ExplodingActivationGrowth = 1e3, ExplodingUpdateRatio = 1, VanishingRatio = 1e-3;
    public const double SaturatedShare = 0.5, DeadShare = 0.5, CollapsedAttentionEntropy = 0.1;

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
        if (ratio > ExplodingRatio)
            return (GradientHealthVerdict.Exploding, ratioText);
        var hidden = layers.Take(layers.Count - 1).ToList();
        var probed = hidden.Where(l => l.ActivationStd > 0).ToList();
        if (probed.Count >= 2 && probed[^1].ActivationStd / probed[0].ActivationStd > ExplodingActivationGrowth)
            return (GradientHealthVerdict.Exploding, $"activation std grows from {F(probed[0].ActivationStd)} ({probed[0].Layer}) " +
                                                     $"to {F(probed[^1].ActivationStd)} ({probed[^1].Layer}); {ratioText}");
        var jumping = layers.MaxBy(l => l.UpdateRatio)!;
        if (jumping.UpdateRatio > ExplodingUpdateRatio)
            return (GradientHealthVerdict.Exploding, $"a step changes {jumping.Layer}'s weights by {F(jumping.UpdateRatio)} of their norm; {ratioText}");
        if (ratio < VanishingRatio || double.IsNaN(ratio))
            return (GradientHealthVerdict.Vanishing, ratioText);
        var collapsed = layers.Where(l => l.AttentionEntropy is double entropy && entropy < CollapsedAttentionEntropy).ToList();
        if (collapsed.Count > 0)
            return (GradientHealthVerdict.AttentionCollapse, "attention entropy / log(tokens) " +
                string.Join(", ", collapsed.Select(l => $"{F(l.AttentionEntropy!.Value)} ({l.Layer})")) + $"; {ratioText}");

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
                Add(o.EffectiveNormalization == NormalizationKind.None, "set Normalization = NormalizationKind.LayerNorm");
                Add(bounded, "use Activation = ActivationKind.ReLU with Initialization = InitializationKind.HeNormal");
                Add(!bounded && o.Initialization is not (InitializationKind.HeNormal or InitializationKind.HeUniform),
                    "use InitializationKind.HeNormal with ReLU-family activations");
                Add(bounded && o.Initialization == InitializationKind.Default, "use InitializationKind.XavierUniform with sigmoid or tanh");
                break;
            case GradientHealthVerdict.Exploding:
            case GradientHealthVerdict.NonFinite:
                Add(o.GradientClipping == GradientClippingKind.None, "set GradientClipping = GradientClippingKind.GlobalNorm, ClippingThreshold = 1");
                Add(true, $"lower LearningRate (e.g. {F(o.EffectiveLearningRate / 10)})");
                Add(o.EffectiveNormalization == NormalizationKind.None, "set Normalization = NormalizationKind.LayerNorm");
                Add(o.Initialization == InitializationKind.StandardNormal, "use InitializationKind.HeNormal (ReLU) or XavierUniform (tanh) instead of StandardNormal");
                Add(o.WarmupSteps == 0, "set WarmupSteps = 100");
                Add(o.OnInstability != InstabilityPolicy.Rollback, "set OnInstability = InstabilityPolicy.Rollback");
                break;
            case GradientHealthVerdict.SaturatedUnits:
                Add(true, "use Activation = ActivationKind.ReLU or GELU");
                Add(o.EffectiveNormalization == NormalizationKind.None, "set Normalization = NormalizationKind.LayerNorm");
                Add(o.Initialization is InitializationKind.Default or InitializationKind.StandardNormal, "use InitializationKind.XavierUniform with sigmoid or tanh");
                break;
            case GradientHealthVerdict.DeadUnits:
                Add(true, "use Activation = ActivationKind.LeakyReLU or GELU");
                Add(true, $"lower LearningRate (e.g. {F(o.EffectiveLearningRate / 10)})");
                Add(o.Initialization != InitializationKind.HeNormal, "use InitializationKind.HeNormal");
                break;
            case GradientHealthVerdict.AttentionCollapse:
                Add(o.EffectiveNormalizationPlacement == NormalizationPlacement.PostNorm, "set NormalizationPlacement = NormalizationPlacement.PreNorm");
                Add(true, $"lower LearningRate (e.g. {F(o.EffectiveLearningRate / 10)})");
                Add(o.WarmupSteps < 100, "set WarmupSteps = 100 or more");
                Add(o.GradientClipping == GradientClippingKind.None, "set GradientClipping = GradientClippingKind.GlobalNorm, ClippingThreshold = 1");
                Add(o.AttentionDropout == 0, "set AttentionDropout = 0.1");
                break;
        }
        return remedies;
    }

    private static string F(double value) => value.ToString("G3", CultureInfo.InvariantCulture);
}
