using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Tests.Engine;

[TestClass]
public sealed class ArchitectureTests
{
    /// <summary>First-layer weight-gradient norm of a fresh network on a fixed batch.</summary>
    private static double FirstLayerGradientNorm(DeepNetworkOptions options)
    {
        torch.random.manual_seed(8);
        using var network = new MlpNetwork(32, 10, options);
        using var x = torch.randn(64, 32);
        using var y = torch.randint(0, 10, 64);
        nn.functional.cross_entropy(network.forward(x), y).backward();
        return network.Blocks[0].Linear.weight!.grad!.norm().item<float>();
    }

    private static DeepNetworkOptions DeepSigmoid() => new()
    {
        HiddenLayers = 20, HiddenSize = 64, Activation = ActivationKind.Sigmoid, Initialization = InitializationKind.Default,
        ResidualConnections = false, Normalization = NormalizationKind.None, Dropout = 0,
    };

    [TestMethod]
    public void ResidualConnectionsRescueTheFirstLayerGradientOfADeepSigmoidNet()
    {
        double plain = FirstLayerGradientNorm(DeepSigmoid());
        var residual = DeepSigmoid();
        residual.ResidualConnections = true;
        double withResidual = FirstLayerGradientNorm(residual);
        Assert.IsTrue(plain < 1e-8, $"plain deep sigmoid should vanish, got {plain:E2}");
        Assert.IsTrue(withResidual / plain > 1e4, $"residual {withResidual:E2} vs plain {plain:E2}");
    }

    [TestMethod]
    [DataRow(NormalizationKind.LayerNorm)]
    [DataRow(NormalizationKind.BatchNorm)]
    public void NormalizationRaisesTheFirstLayerGradientOfADeepSigmoidNet(NormalizationKind kind)
    {
        double plain = FirstLayerGradientNorm(DeepSigmoid());
        var normalized = DeepSigmoid();
        normalized.Normalization = kind;
        double withNorm = FirstLayerGradientNorm(normalized);
        Assert.IsTrue(withNorm / plain > 100, $"{kind} {withNorm:E2} vs plain {plain:E2}");
    }

    [TestMethod]
    public void ResidualShortcutProjectsOnlyWhereTheWidthChanges()
    {
        using var network = new MlpNetwork(32, 10, new DeepNetworkOptions { HiddenLayers = 3, HiddenSize = 16 });
        Assert.IsNotNull(network.Blocks[0].Projection);
        Assert.IsNull(network.Blocks[1].Projection);
        using var plain = new MlpNetwork(32, 10, new DeepNetworkOptions { HiddenLayers = 3, HiddenSize = 16, ResidualConnections = false });
        Assert.IsNull(plain.Blocks[0].Projection);
        static long Count(MlpNetwork n) => n.parameters().Sum(p => p.numel());
        Assert.AreEqual(16L * 32 + 2 * 16, Count(network) - Count(plain), "exactly one 16x32 projection, no bias, and the final layer norm before the head");
    }

    [TestMethod]
    public void HiddenLayerSizesOverrideLayersAndSize()
    {
        var options = new DeepNetworkOptions { HiddenLayers = 7, HiddenSize = 3, HiddenLayerSizes = new[] { 12, 6 } };
        using var network = new MlpNetwork(20, 4, options);
        CollectionAssert.AreEqual(new long[] { 12, 20 }, network.Blocks[0].Linear.weight!.shape);
        CollectionAssert.AreEqual(new long[] { 6, 12 }, network.Blocks[1].Linear.weight!.shape);
        Assert.IsNotNull(network.Blocks[1].Projection, "the width changes, so the shortcut projects");
        CollectionAssert.AreEqual(new long[] { 4, 6 }, network.Head.weight!.shape);
    }

    [TestMethod]
    public void NormalizationKindsAddTheirOwnParametersAndBuffers()
    {
        static string[] Names(NormalizationKind kind)
        {
            using var n = new MlpNetwork(8, 2, new DeepNetworkOptions { HiddenLayers = 1, HiddenSize = 4, Normalization = kind });
            return n.state_dict().Keys.ToArray();
        }
        Assert.IsFalse(Names(NormalizationKind.None).Any(k => k.Contains("norm")));
        Assert.IsTrue(Names(NormalizationKind.LayerNorm).Contains("blocks.0.norm.weight"));
        Assert.IsTrue(Names(NormalizationKind.BatchNorm).Contains("blocks.0.norm.running_mean"));
    }

    [TestMethod]
    public void ReZeroBlocksStartAsTheIdentity()
    {
        torch.random.manual_seed(10);
        var options = new DeepNetworkOptions { HiddenLayers = 3, HiddenSize = 16, ReZero = true, Dropout = 0 };
        using var network = new MlpNetwork(8, 2, options);
        using var x = torch.randn(5, 16);
        Assert.IsTrue(network.Blocks[1].forward(x).allclose(x, rtol: 0, atol: 0), "branch scaled by 0");
        Assert.IsTrue(network.state_dict().ContainsKey("blocks.1.branchScale"));

        using var plain = new MlpNetwork(8, 2, new DeepNetworkOptions { HiddenLayers = 3, HiddenSize = 16, Dropout = 0 });
        Assert.IsFalse(plain.Blocks[1].forward(x).allclose(x, atol: 1e-3));
    }

    [TestMethod]
    public void PreNormalizationNormalizesTheBlockInput()
    {
        using var pre = new MlpNetwork(8, 2, new DeepNetworkOptions { HiddenLayers = 2, HiddenSize = 16, PreNormalization = true });
        using var post = new MlpNetwork(8, 2, new DeepNetworkOptions { HiddenLayers = 2, HiddenSize = 16 });
        CollectionAssert.AreEqual(new long[] { 8 }, pre.state_dict()["blocks.0.norm.weight"].shape, "normalizes the 8 inputs");
        CollectionAssert.AreEqual(new long[] { 16 }, post.state_dict()["blocks.0.norm.weight"].shape, "normalizes the 16 pre-activations");

        // Pre-norm makes the block invariant to the scale of its input (LayerNorm removes it before the linear layer).
        torch.random.manual_seed(11);
        using var x = torch.randn(4, 16);
        var block = pre.Blocks[1];
        block.eval();
        var scaledBranch = block.forward(x * 10) - x * 10;
        var branch = block.forward(x) - x;
        Assert.IsTrue(scaledBranch.allclose(branch, atol: 1e-4));
    }

    [TestMethod]
    public void EachActivationComputesItsFunction()
    {
        using var x = torch.linspace(-3, 3, 13);
        var expected = new Dictionary<ActivationKind, Tensor>
        {
            [ActivationKind.Sigmoid] = torch.sigmoid(x),
            [ActivationKind.Tanh] = torch.tanh(x),
            [ActivationKind.ReLU] = torch.clamp_min(x, 0),
            [ActivationKind.LeakyReLU] = torch.where(x > 0, x, x * 0.2),
            [ActivationKind.ELU] = torch.where(x > 0, x, torch.exp(x) - 1),
            [ActivationKind.GELU] = x * 0.5 * (1 + torch.special.erf(x / Math.Sqrt(2))),
            [ActivationKind.SELU] = 1.0507009873554805 * torch.where(x > 0, x, 1.6732632423543772 * (torch.exp(x) - 1)),
        };
        foreach (var (kind, value) in expected)
        {
            using var module = Activations.Create(kind, 0.2f);
            Assert.IsTrue(module.forward(x).allclose(value, atol: 1e-5), kind.ToString());
        }
    }

    [TestMethod]
    public void DropoutIsActiveInTrainingOnly()
    {
        torch.random.manual_seed(9);
        using var network = new MlpNetwork(16, 4, new DeepNetworkOptions { HiddenLayers = 2, HiddenSize = 64, Dropout = 0.5f });
        using var x = torch.randn(8, 16);
        network.train();
        Assert.IsFalse(network.forward(x).allclose(network.forward(x)), "two training passes should drop different units");
        network.eval();
        Assert.IsTrue(network.forward(x).allclose(network.forward(x), rtol: 0, atol: 0));
    }
}
