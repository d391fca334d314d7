namespace MLStability.Tests.Engine;

/// <summary>The documented verdict rules, on hand-made statistics.</summary>
[TestClass]
public sealed class VerdictRulesTests
{
    private static LayerStatistics Layer(string name, double gradient, double saturated = 0, double dead = 0, double nonFinite = 0) =>
        new(name, gradient, 1, 1e-3, nonFinite, 0.5, 0.2, saturated, dead);

    private static GradientHealthVerdict Judge(params LayerStatistics[] layers) =>
        VerdictRules.Judge(layers, Array.Empty<InstabilityEvent>()).Verdict;

    [TestMethod]
    public void EachRuleFiresOnItsOwnNumbers()
    {
        Assert.AreEqual(GradientHealthVerdict.Healthy, Judge(Layer("block0", 0.1), Layer("head", 0.2)));
        Assert.AreEqual(GradientHealthVerdict.Vanishing, Judge(Layer("block0", 1e-17), Layer("head", 0.1)));
        Assert.AreEqual(GradientHealthVerdict.Vanishing, Judge(Layer("block0", 0), Layer("head", 0)), "exact zeros (0/0) vanish");
        Assert.AreEqual(GradientHealthVerdict.Healthy, Judge(Layer("block0", 5e3), Layer("head", 10)), "large gradients alone are no fault: the ratio is 500");
        Assert.AreEqual(GradientHealthVerdict.Exploding, Judge(Layer("block0", 5e4), Layer("head", 10)));
        Assert.AreEqual(GradientHealthVerdict.Exploding, Judge(Layer("block0", 50), Layer("head", 0.01)), "ratio above 1e3");
        Assert.AreEqual(GradientHealthVerdict.NonFinite, Judge(Layer("block0", 1, nonFinite: 0.1), Layer("head", 1)));
        Assert.AreEqual(GradientHealthVerdict.SaturatedUnits, Judge(Layer("block0", 0.1, saturated: 0.8), Layer("head", 0.1)));
        Assert.AreEqual(GradientHealthVerdict.DeadUnits, Judge(Layer("block0", 0.1, dead: 0.7), Layer("head", 0.1)));
    }

    [TestMethod]
    public void CollapsedAttentionIsNamedWithItsBlock()
    {
        LayerStatistics Attention(string name, double entropy) => Layer(name, 0.1) with { AttentionEntropy = entropy };
        Assert.AreEqual(GradientHealthVerdict.Healthy, Judge(Layer("tokens", 0.1), Attention("block0.attention", 0.3), Layer("head", 0.1)),
            "sharp attention is no collapse");
        var (verdict, evidence) = VerdictRules.Judge(new[] { Layer("tokens", 0.1), Attention("block0.attention", 0.6), Attention("block1.attention", 0.05), Layer("head", 0.1) },
            Array.Empty<InstabilityEvent>());
        Assert.AreEqual(GradientHealthVerdict.AttentionCollapse, verdict);
        StringAssert.Contains(evidence, "0.05 (block1.attention)");
        Assert.IsFalse(evidence.Contains("block0.attention"), evidence);
        Assert.AreEqual(GradientHealthVerdict.Vanishing, Judge(Layer("tokens", 1e-9), Attention("block0.attention", 0.01), Layer("head", 0.1)),
            "the gradient rules come first");

        var postNorm = new DeepNetworkOptions { Network = NetworkKind.Transformer, NormalizationPlacement = NormalizationPlacement.PostNorm, WarmupSteps = 0 };
        var remedies = VerdictRules.Remedies(GradientHealthVerdict.AttentionCollapse, postNorm);
        CollectionAssert.IsSubsetOf(new[] { "set NormalizationPlacement = NormalizationPlacement.PreNorm", "set WarmupSteps = 100 or more" }, remedies.ToArray());
        Assert.IsFalse(VerdictRules.Remedies(GradientHealthVerdict.AttentionCollapse, new DeepNetworkOptions { Network = NetworkKind.Transformer })
            .Any(r => r.Contains("PreNorm")), "a pre-norm run is not told to use pre-norm");
    }

    [TestMethod]
    public void NonFiniteEventsMakeTheEpochNonFinite()
    {
        var events = new[] { new InstabilityEvent(1, 2, InstabilityKind.NonFiniteLoss, InstabilityPolicy.Rollback, "") };
        Assert.AreEqual(GradientHealthVerdict.NonFinite, VerdictRules.Judge(new[] { Layer("block0", 0.1), Layer("head", 0.1) }, events).Verdict);
        var spike = new[] { new InstabilityEvent(1, 2, InstabilityKind.LossSpike, InstabilityPolicy.Rollback, "") };
        Assert.AreEqual(GradientHealthVerdict.Healthy, VerdictRules.Judge(new[] { Layer("block0", 0.1), Layer("head", 0.1) }, spike).Verdict);
    }

    [TestMethod]
    public void RemediesAreConcreteOptionChanges()
    {
        var plain = new DeepNetworkOptions { ResidualConnections = false, Normalization = NormalizationKind.None,
            Activation = ActivationKind.Sigmoid, Initialization = InitializationKind.Default, GradientClipping = GradientClippingKind.None };
        CollectionAssert.AreEqual(new[]
        {
            "set ResidualConnections = true", "set Normalization = NormalizationKind.LayerNorm",
            "use Activation = ActivationKind.ReLU with Initialization = InitializationKind.HeNormal",
            "use InitializationKind.XavierUniform with sigmoid or tanh",
        }, VerdictRules.Remedies(GradientHealthVerdict.Vanishing, plain).ToArray());
        Assert.IsTrue(VerdictRules.Remedies(GradientHealthVerdict.Exploding, plain).Contains("set GradientClipping = GradientClippingKind.GlobalNorm, ClippingThreshold = 1"));
        Assert.AreEqual(0, VerdictRules.Remedies(GradientHealthVerdict.Healthy, plain).Count);
    }
}
