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
