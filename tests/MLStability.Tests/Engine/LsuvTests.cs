using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Tests.Engine;

/// <summary>InitializationKind.Lsuv (Mishkin and Matas 2015): unit output variance layer by layer, and what that buys at depth.</summary>
[TestClass]
public sealed class LsuvTests
{
    [TestMethod]
    public void EveryLayerLeavesWithUnitOutputVariance()
    {
        torch.manual_seed(2);
        var options = new DeepNetworkOptions
        {
            HiddenLayers = 12, HiddenSize = 48, Activation = ActivationKind.Tanh, Initialization = InitializationKind.Lsuv,
            ResidualConnections = false, Normalization = NormalizationKind.None, Dropout = 0,
        };
        using var network = new MlpNetwork(10, 3, options);
        using var batch = torch.randn(256, 10) * 7 + 3; // far from unit scale: the rescaling must do the work

        var variances = LsuvInitializer.Apply(network, batch);

        Assert.AreEqual(13, variances.Count, "12 hidden layers and the head");
        using var noGrad = no_grad();
        Tensor hidden = batch;
        foreach (var block in network.Blocks)
        {
            Assert.AreEqual(1, block.LinearOutput(hidden).var().item<float>(), LsuvInitializer.Tolerance, "a hidden layer");
            hidden = block.forward(hidden);
        }
        Assert.AreEqual(1, network.forward(batch).var().item<float>(), LsuvInitializer.Tolerance, "the head");
    }

    [TestMethod]
    public void AFiftyLayerPlainTanhNetTrainsFarBetterWithLsuvThanWithXavier()
    {
        // 50 tanh layers of 32 units, no normalization, no residuals, 80 Adam steps on a 2-class problem (chance: ln 2 =
        // 0.693). Measured on the development machine: Xavier 0.307, LSUV 0.107.
        const ActivationKind activation = ActivationKind.Tanh;
        double FinalLoss(InitializationKind initialization)
        {
            var options = DiagnosticsTests.PlainSigmoid(50);
            options.Activation = activation;
            options.HiddenSize = 32;
            options.Initialization = initialization;
            options.Epochs = 8;
            options.DiagnosticsInterval = 0;
            using var model = new NetworkTrainer(options, seed: 1).Train(DiagnosticsTests.Data());
            return model.History[^1].TrainingLoss;
        }
        double xavier = FinalLoss(InitializationKind.XavierUniform), lsuv = FinalLoss(InitializationKind.Lsuv);
        Assert.IsTrue(lsuv < 0.6 * xavier && lsuv < 0.2, $"final training loss: Xavier {xavier:F4}, LSUV {lsuv:F4}");
    }

    [TestMethod]
    public void OtherNetworkFamiliesAreToldLsuvIsForMlps()
    {
        var options = new DeepNetworkOptions { Network = NetworkKind.ResNet, InputShape = new[] { 1, 8, 8 }, Initialization = InitializationKind.Lsuv };
        var error = Assert.ThrowsExactly<ArgumentException>(options.Validate);
        StringAssert.Contains(error.Message, "Initialization = Lsuv is implemented for Network = Mlp, not ResNet");
    }
}
