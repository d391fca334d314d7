using MLStability.Networks;

namespace MLStability.Tests.Engine;

[TestClass]
public sealed class InstabilityGuardTests
{
    private static InstabilityGuard Guard(DeepNetworkOptions options, out MlpNetwork network)
    {
        network = new MlpNetwork(4, 2, options);
        return new InstabilityGuard(options, network, ParameterOptimizer.Create(options, network.parameters()));
    }

    [TestMethod]
    public void ALossSpikeIsDetectedAfterTheRunningAverageSettles()
    {
        using var guard = Guard(new DeepNetworkOptions { HiddenLayers = 1, HiddenSize = 4, LossSpikeFactor = 3 }, out var network);
        using var _ = network;
        Assert.IsNull(guard.CheckLoss(50), "no spike check during the first steps");
        for (int step = 1; step <= 20; step++)
            guard.Accept(step, 1.0);
        Assert.IsNull(guard.CheckLoss(2.9));
        Assert.AreEqual(InstabilityKind.LossSpike, guard.CheckLoss(3.1));
        Assert.AreEqual(InstabilityKind.NonFiniteLoss, guard.CheckLoss(double.NaN));
    }

    [TestMethod]
    public void SpikeDetectionCanBeSwitchedOff()
    {
        using var guard = Guard(new DeepNetworkOptions { HiddenLayers = 1, HiddenSize = 4, LossSpikeFactor = 0 }, out var network);
        using var _ = network;
        for (int step = 1; step <= 30; step++)
            guard.Accept(step, 1.0);
        Assert.IsNull(guard.CheckLoss(1e6));
    }

    [TestMethod]
    public void RollbackRestoresTheLatestSnapshotAndTightensClipping()
    {
        var options = new DeepNetworkOptions { HiddenLayers = 1, HiddenSize = 4, RollbackSnapshotSteps = 5, GradientClipping = GradientClippingKind.GlobalNorm, ClippingThreshold = 2 };
        using var guard = Guard(options, out var network);
        using var _ = network;
        for (int step = 1; step <= 7; step++)
            guard.Accept(step, 1.0);
        var atSnapshot = network.parameters().First().clone();
        using (TorchSharp.torch.no_grad())
            network.parameters().First().add_(1.0);
        guard.Handle(InstabilityKind.NonFiniteLoss, 1, 8, double.NaN, double.NaN, m => new InvalidOperationException(m));
        Assert.IsTrue(network.parameters().First().allclose(atSnapshot, rtol: 0, atol: 0));
        StringAssert.Contains(guard.Events.Single().Detail, "restored the weights of step 5");
        Assert.AreEqual(1f, guard.Clipper!.Threshold);
        Assert.AreEqual(0.5, guard.LearningRateScale);
    }
}
