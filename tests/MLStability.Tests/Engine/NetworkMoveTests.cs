using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Tests.Engine;

/// <summary>
/// Training moves the network to its device after building it (<c>network.to(cuda)</c>), and TorchSharp's move puts a
/// new parameter in every module. What reads weights afterwards (diagnostics, TensorBoard) must read the moved ones: on
/// CUDA a weight kept from construction is the stale CPU copy, without a gradient (found on an H200, where
/// the MNIST pipeline failed with "Tensor invalid -- empty handle" in the gradient monitor). A dtype round trip moves
/// parameters the same way on any machine, so these tests hold without a GPU.
/// </summary>
[TestClass]
public sealed class NetworkMoveTests
{
    public static IEnumerable<object[]> Networks()
    {
        yield return new object[] { "MLP", new DeepNetworkOptions { HiddenLayers = 2, HiddenSize = 16 }, 12 };
        yield return new object[] { "MLP over the periodic embedding", new DeepNetworkOptions { HiddenLayers = 2, HiddenSize = 16, NumericEmbedding = NumericEmbeddingKind.Periodic }, 12 };
        yield return new object[] { "ResNet", new DeepNetworkOptions { Network = NetworkKind.ResNet, InputShape = new[] { 1, 8, 8 }, ResNetChannels = new[] { 4, 8 }, ResNetBlocksPerStage = 1 }, 64 };
        yield return new object[] { "LSTM", new DeepNetworkOptions { Network = NetworkKind.Recurrent, InputShape = new[] { 6, 2 }, RecurrentHiddenSize = 8 }, 12 };
    }

    [TestMethod]
    [DynamicData(nameof(Networks))]
    public void WatchedWeightsAreTheMovedNetworksOwn(string name, DeepNetworkOptions options, int features)
    {
        torch.manual_seed(3);
        using var network = NetworkFactory.Create(features, 3, options);
        network.to(ScalarType.Float64);
        network.to(ScalarType.Float32);
        var current = network.parameters().Select(p => p.Handle).ToHashSet();

        using var input = torch.randn(5, features);
        using var loss = network.forward(input).square().sum();
        loss.backward();

        foreach (var layer in network.WatchedLayers)
        {
            Assert.IsTrue(current.Contains(layer.Weight.Handle), $"{name}: {layer.Name} is one of the network's parameters");
            Assert.IsNotNull(layer.Weight.grad, $"{name}: {layer.Name} has the gradient of the backward pass");
        }
    }

    [TestMethod]
    public void TheGradientMonitorMeasuresTheMovedNetwork()
    {
        torch.manual_seed(3);
        using var network = NetworkFactory.Create(6, 2, new DeepNetworkOptions { HiddenLayers = 2, HiddenSize = 16 });
        network.to(ScalarType.Float64);
        network.to(ScalarType.Float32);
        var monitor = new GradientMonitor(interval: 1);

        monitor.OnStepStart(network, 1);
        using (var input = torch.randn(8, 6))
        using (var loss = network.forward(input).square().sum())
            loss.backward();
        monitor.OnGradientsComputed(network, 1);
        using (torch.no_grad())
        {
            foreach (var parameter in network.parameters())
                parameter.sub_(parameter.grad! * 0.01);
        }
        monitor.OnStepEnd(network, 1);

        var (layers, samples) = monitor.CompleteEpoch(network);
        Assert.AreEqual(1, samples);
        foreach (var layer in layers)
        {
            Assert.IsTrue(layer.GradientNorm > 0, $"{layer.Layer}: gradient norm {layer.GradientNorm}");
            Assert.IsTrue(layer.UpdateRatio > 0, $"{layer.Layer}: update ratio {layer.UpdateRatio}");
        }
    }
}
