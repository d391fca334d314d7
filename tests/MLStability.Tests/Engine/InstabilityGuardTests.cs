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
        guard.Accept(21, 2.9);
        Assert.IsNull(guard.CheckLoss(3.1), "one high loss is evidence, not yet an instability");
        guard.Accept(22, 3.1);
        Assert.IsNull(guard.CheckLoss(3.2));
        guard.Accept(23, 3.2);
        Assert.AreEqual(InstabilityKind.LossSpike, guard.CheckLoss(3.3), $"{InstabilityGuard.SpikeEvidenceSteps} in a row are");
        Assert.AreEqual(InstabilityKind.NonFiniteLoss, guard.CheckLoss(double.NaN));
    }

    [TestMethod]
    public void NoiseNearZeroLossIsNoSpike()
    {
        // The false alarm: near convergence a batch loss of 0.04 against losses of 0.003 is ten times the
        // average, yet tiny next to the 2.3 the run started at.
        using var guard = Guard(new DeepNetworkOptions { HiddenLayers = 1, HiddenSize = 4 }, out var network);
        using var _ = network;
        long step = 0;
        for (; step < 20; step++)
            guard.Accept(step + 1, 2.3);
        for (; step < 200; step++)
            guard.Accept(step + 1, 0.003);
        for (int i = 0; i < 10; i++)
        {
            Assert.IsNull(guard.CheckLoss(0.04), "0.04 exceeds the median 0.003 by less than a tenth of the initial 2.3");
            guard.Accept(++step, 0.04);
        }
        Assert.AreEqual(InstabilityKind.LossSpike, Enumerable.Range(0, 3).Select(_ => guard.CheckLoss(1.5)).ToArray()[^1], "a real jump still counts");
    }

    [TestMethod]
    public void RecurringHardBatchesNearConvergenceAreNoSpike()
    {
        // Seen on breast cancer (40 epochs, batches of 32): near convergence most batches cost 0.005, and a batch that
        // holds one of the few rows the model gets wrong costs 0.06 to 0.08, ten times the median and more than a tenth
        // of the 0.4 the run started at. Three such batches in a row were a false alarm; they are noise the window
        // has seen before.
        using var guard = Guard(new DeepNetworkOptions { HiddenLayers = 1, HiddenSize = 4 }, out var network);
        using var _ = network;
        long step = 0;
        void Step(double loss)
        {
            Assert.IsNull(guard.CheckLoss(loss), $"step {step + 1}, loss {loss}");
            guard.Accept(++step, loss);
        }
        for (int i = 0; i < 20; i++)
            Step(0.4);
        for (int i = 0; i < 100; i++)
            Step(i % 10 == 9 ? 0.08 : 0.005);
        Step(0.064);
        Step(0.07);
        Step(0.066);
        Assert.AreEqual(InstabilityKind.LossSpike, Enumerable.Range(0, 3).Select(_ => guard.CheckLoss(1.5)).ToArray()[^1], "a real jump still counts");
    }

    [TestMethod]
    public void ASpikeRollbackCutsTheLearningRateOnlyUntilTrainingIsHealthyAgain()
    {
        var options = new DeepNetworkOptions { HiddenLayers = 1, HiddenSize = 4, RollbackSnapshotSteps = 5 };
        using var guard = Guard(options, out var network);
        using var _ = network;
        for (int step = 1; step <= 25; step++)
            guard.Accept(step, 1.0);
        guard.Handle(InstabilityKind.LossSpike, 1, 26, 30, double.NaN, m => new InvalidOperationException(m));
        Assert.AreEqual(0.5, guard.LearningRateScale);
        for (int step = 26; step < 26 + 2 * 5; step++)
            guard.Accept(step, 1.0);
        Assert.AreEqual(1.0, guard.LearningRateScale, "2 x RollbackSnapshotSteps healthy steps undo a spike's cut");
        guard.Handle(InstabilityKind.NonFiniteLoss, 1, 40, double.NaN, double.NaN, m => new InvalidOperationException(m));
        for (int step = 40; step < 100; step++)
            guard.Accept(step, 1.0);
        Assert.AreEqual(0.5, guard.LearningRateScale, "a non-finite value is never noise: its cut stays");
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
