using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Tests.Engine;

/// <summary>GradientClippingKind.Adaptive against its formula (Brock et al. 2021): unit-wise bounds, head exempt.</summary>
[TestClass]
public sealed class AdaptiveClippingTests
{
    [TestMethod]
    public void EachUnitsGradientIsBoundedByLambdaTimesItsWeightNorm()
    {
        torch.random.manual_seed(7);
        var options = new DeepNetworkOptions { HiddenLayers = 1, HiddenSize = 6, Normalization = NormalizationKind.None, ResidualConnections = false, Dropout = 0 };
        using var network = new MlpNetwork(4, 3, options);
        var block = network.Blocks[0].Linear;
        float lambda = 0.05f;
        using (no_grad())
        {
            block.weight!.copy_(torch.ones(6, 4) * torch.arange(1, 7, dtype: ScalarType.Float32).unsqueeze(1)); // row u has norm 2u
            block.bias!.copy_(torch.tensor(new[] { 1f, -1f, 0f, 2f, 0.5f, 3f }));
        }
        // Gradients: rows 0-2 far above the bound, rows 3-5 well below it; the bias gradient 1 everywhere; the head's huge.
        float[] gradientRowNorms = { 100, 50, 20, 0.01f, 0.02f, 0.03f };
        block.weight.grad = torch.ones(6, 4) * torch.tensor(gradientRowNorms).unsqueeze(1) / 2;
        block.bias.grad = torch.ones(6);
        network.Head.weight!.grad = torch.full(3, 6, 1000f);
        using var headBefore = network.Head.weight.grad.clone();

        GradientClipper.Create(GradientClippingKind.Adaptive, lambda, network)!.Clip(Array.Empty<TorchSharp.Modules.Parameter>());

        var rowNorms = block.weight.grad!.norm(1).data<float>().ToArray();
        for (int u = 0; u < 6; u++)
        {
            double bound = lambda * 2 * (u + 1);
            double expected = Math.Min(gradientRowNorms[u], bound);
            Assert.AreEqual(expected, rowNorms[u], expected * 1e-5, $"row {u}");
        }
        var bias = block.bias.grad!.data<float>().ToArray();
        float[] biasWeights = { 1f, 1f, 0f, 2f, 0.5f, 3f }; // |b| per element, floored at 1e-3
        for (int u = 0; u < 6; u++)
            Assert.AreEqual(Math.Min(1, lambda * Math.Max(biasWeights[u], 1e-3)), bias[u], 1e-7, $"bias {u}");
        Assert.IsTrue(network.Head.weight.grad!.equal(headBefore).all().item<bool>(), "the head is exempt");
    }
}
