using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Tests.Engine;

/// <summary>The ResNet's structure: stages, projection shortcuts, zero-initialized blocks.</summary>
[TestClass]
public sealed class ResNetTests
{
    private static DeepNetworkOptions Options(Action<DeepNetworkOptions>? change = null)
    {
        var options = new DeepNetworkOptions
        {
            Network = NetworkKind.ResNet, InputShape = new[] { 1, 8, 8 }, ResNetChannels = new[] { 4, 8 }, ResNetBlocksPerStage = 2,
            Normalization = NormalizationKind.BatchNorm, Dropout = 0,
        };
        change?.Invoke(options);
        return options;
    }

    [TestMethod]
    public void StagesHalveTheImageAndProjectTheShortcutWhereTheShapeChanges()
    {
        using var network = new ResNetNetwork(new[] { 1, 8, 8 }, 3, Options());
        Assert.AreEqual(4, network.Blocks.Count);
        Assert.IsNull(network.Blocks[0].Projection, "4 -> 4 channels, stride 1: identity shortcut");
        Assert.IsNull(network.Blocks[1].Projection);
        Assert.IsNotNull(network.Blocks[2].Projection, "4 -> 8 channels, stride 2: 1x1 projection");
        Assert.IsNull(network.Blocks[3].Projection);
        using var scope = torch.NewDisposeScope();
        network.eval();
        CollectionAssert.AreEqual(new long[] { 5, 3 }, network.forward(torch.rand(5, 64)).shape);
        // stem + 2 convolutions per block + head
        Assert.AreEqual(1 + 8 + 1, network.WatchedLayers.Count);
        Assert.AreEqual("stage1_block0.conv1", network.WatchedLayers[5].Name);
    }

    [TestMethod]
    public void APlainNetworkHasNoShortcuts()
    {
        using var network = new ResNetNetwork(new[] { 1, 8, 8 }, 3, Options(o => o.ResidualConnections = false));
        Assert.IsTrue(network.Blocks.All(b => b.Projection is null));
        Assert.IsFalse(network.named_parameters().Any(p => p.name.Contains("shortcut")));
    }

    [TestMethod]
    public void ZeroInitializedLastNormalizationMakesEveryBlockStartAsItsShortcut()
    {
        using var network = new ResNetNetwork(new[] { 1, 8, 8 }, 3, Options(o => o.ZeroInitLastNormalization = true));
        network.eval();
        using var scope = torch.NewDisposeScope();
        var x = torch.rand(2, 4, 8, 8); // non-negative, like the ReLU output that feeds a block
        Assert.IsTrue(network.Blocks[1].forward(x).allclose(x, rtol: 0, atol: 0), "block = relu(0 + x) = x");

        using var plain = new ResNetNetwork(new[] { 1, 8, 8 }, 3, Options());
        plain.eval();
        Assert.IsFalse(plain.Blocks[1].forward(x).allclose(x, atol: 1e-3));
    }

    [TestMethod]
    public void ConvolutionFansIncludeTheKernel()
    {
        using var network = new ResNetNetwork(new[] { 1, 8, 8 }, 3, Options(o => o.Initialization = InitializationKind.HeNormal));
        var weight = network.Blocks[0].First.Conv.weight!; // [4, 4, 3, 3]: fan_in = 36
        double expected = Math.Sqrt(2.0 / 36);
        Assert.AreEqual(expected, weight.std().item<float>(), expected * 0.3);
    }

    [TestMethod]
    public void GroupNormalizationNeedsGroupsThatDivideTheChannels()
    {
        var error = Assert.Throws<ArgumentException>(() => new ResNetNetwork(new[] { 1, 8, 8 }, 3,
            Options(o => { o.Normalization = NormalizationKind.GroupNorm; o.NormalizationGroups = 3; })));
        StringAssert.Contains(error.Message, "NormalizationGroups = 3 must divide every normalized width");
    }
}
