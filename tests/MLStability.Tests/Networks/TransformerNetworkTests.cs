using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Tests.Networks;

/// <summary>
/// The Transformer family's parts against their definitions: feature tokens (FT-Transformer), positions, where the
/// normalization sits, DeepNorm's scaling (Wang et al. 2022), and the attention-entropy probe.
/// </summary>
[TestClass]
public sealed class TransformerNetworkTests
{
    private static DeepNetworkOptions Options(Action<DeepNetworkOptions>? change = null)
    {
        var options = new DeepNetworkOptions { Network = NetworkKind.Transformer, TransformerLayers = 3, ModelWidth = 16, AttentionHeads = 4, Dropout = 0 };
        change?.Invoke(options);
        options.Validate();
        return options;
    }

    private static TransformerNetwork Build(DeepNetworkOptions options, int inputSize, int seed = 1)
    {
        torch.manual_seed(seed);
        var network = new TransformerNetwork(inputSize, 3, options);
        network.eval();
        return network;
    }

    [TestMethod]
    public void EachFeatureBecomesItsOwnTokenLinearInItsValue()
    {
        using var scope = NewDisposeScope();
        using var network = Build(Options(), inputSize: 5);
        using var noGrad = torch.no_grad();
        var x = torch.randn(2, 5, generator: new Generator(3));
        var tokens = network.Tokenize(x);
        CollectionAssert.AreEqual(new long[] { 2, 5, 16 }, tokens.shape);

        // Token j = x_j w_j + b_j: doubling the values moves each token by as much again, ...
        var zero = network.Tokenize(torch.zeros_like(x));
        Assert.IsTrue((network.Tokenize(x * 2) - tokens).allclose(tokens - zero, atol: 1e-5));
        // ... and changing feature 2 alone changes token 2 alone.
        var changed = x.clone();
        changed[.., 2] += 1;
        var difference = (network.Tokenize(changed) - tokens).abs().sum(dim: 0).sum(dim: -1);
        Assert.IsTrue(difference[2].item<float>() > 0);
        Assert.AreEqual(0f, difference.sum().item<float>() - difference[2].item<float>(), 1e-6f);
    }

    [TestMethod]
    public void StepTokensCarryTheirPositionSoOrderMatters()
    {
        using var scope = NewDisposeScope();
        using var network = Build(Options(o => o.InputShape = new[] { 4, 3 }), inputSize: 12);
        using var noGrad = torch.no_grad();
        var steps = torch.randn(2, 4, 3, generator: new Generator(4));
        var reversed = steps.flip(1);
        // Without positions, self-attention and mean pooling would not see the order: the outputs would be equal.
        var output = network.forward(steps.reshape(2, 12));
        var outputReversed = network.forward(reversed.reshape(2, 12));
        Assert.IsTrue((output - outputReversed).abs().max().item<float>() > 1e-3, "reversing the steps changed nothing");
        Assert.AreEqual(4, network.Tokens);
    }

    [TestMethod]
    public void PostNormBlocksEndNormalizedAndPreNormBlocksDoNot()
    {
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var x = torch.randn(8, 6, generator: new Generator(5)) * 3;
        foreach (var placement in Enum.GetValues<NormalizationPlacement>())
        {
            using var network = Build(Options(o => o.NormalizationPlacement = placement), inputSize: 6);
            var hidden = network.Tokenize(x);
            foreach (var block in network.Blocks)
                hidden = block.forward(hidden);
            // LayerNorm starts with unit scale and zero shift: every token of a normalized output has std 1.
            double spread = (hidden.std(-1, unbiased: false) - 1).abs().max().item<float>();
            if (placement == NormalizationPlacement.PreNorm)
                Assert.IsTrue(spread > 0.1, $"pre-norm: the residual stream is not normalized (spread {spread:G3})");
            else
                Assert.IsTrue(spread < 1e-3, $"{placement}: block output std off 1 by {spread:G3}");
        }
    }

    [TestMethod]
    public void DeepNormShrinksTheValueOutputAndMlpWeightsByBeta()
    {
        int layers = 3;
        using var postNorm = Build(Options(o => o.NormalizationPlacement = NormalizationPlacement.PostNorm), inputSize: 6);
        using var deepNorm = Build(Options(o => o.NormalizationPlacement = NormalizationPlacement.DeepNorm), inputSize: 6);
        double beta = Math.Pow(8.0 * layers, -0.25);
        for (int b = 0; b < layers; b++)
        {
            var (plain, deep) = (postNorm.Blocks[b], deepNorm.Blocks[b]);
            double Ratio(Tensor deepWeight, Tensor plainWeight) => deepWeight.norm().item<float>() / plainWeight.norm().item<float>();
            using var plainQkv = plain.Attention.QueryKeyValue.weight!.detach();
            using var deepQkv = deep.Attention.QueryKeyValue.weight!.detach();
            Assert.AreEqual(1, Ratio(deepQkv.narrow(0, 0, 32), plainQkv.narrow(0, 0, 32)), 1e-6, "queries and keys keep their scale");
            Assert.AreEqual(beta, Ratio(deepQkv.narrow(0, 32, 16), plainQkv.narrow(0, 32, 16)), 1e-6, "values");
            Assert.AreEqual(beta, Ratio(deep.Attention.Output.weight!, plain.Attention.Output.weight!), 1e-6, "output projection");
            Assert.AreEqual(beta, Ratio(deep.Expand.weight!, plain.Expand.weight!), 1e-6, "MLP");
            Assert.AreEqual(beta, Ratio(deep.Contract.weight!, plain.Contract.weight!), 1e-6, "MLP");
        }

        // alpha = (2N)^(1/4) on the shortcut: with the attention branch silenced, a DeepNorm block computes
        // a = LayerNorm(alpha x) = LayerNorm(x), then LayerNorm(alpha a + MLP(a)).
        using var scope = NewDisposeScope();
        using var noGrad = torch.no_grad();
        var block = deepNorm.Blocks[0];
        block.Attention.Output.weight!.zero_();
        block.Attention.Output.bias!.zero_();
        var tokens = torch.randn(2, 6, 16, generator: new Generator(6));
        Tensor Norm(Tensor t) => nn.functional.layer_norm(t, new long[] { 16 });
        var a = Norm(tokens);
        var mlp = block.Contract.forward(nn.functional.relu(block.Expand.forward(a)));
        double alpha = Math.Pow(2.0 * layers, 0.25);
        var output = block.forward(tokens);
        Assert.IsTrue(output.allclose(Norm(a * alpha + mlp), atol: 1e-4), "LayerNorm(alpha a + MLP(a))");
        Assert.IsFalse(output.allclose(Norm(a + mlp), atol: 1e-2), "the shortcut is scaled");
    }

    [TestMethod]
    public void TheAttentionProbeReportsEntropyOverLogTokens()
    {
        using var scope = NewDisposeScope();
        var probe = new AttentionProbe { Capture = true };
        probe.Record(torch.full(new long[] { 2, 3, 5, 5 }, 0.2f));
        Assert.AreEqual(1, probe.LastEntropy!.item<float>(), 1e-6, "uniform attention");
        probe.Record(torch.eye(5).expand(2, 3, 5, 5));
        Assert.AreEqual(0, probe.LastEntropy!.item<float>(), 1e-6, "each query on one key");
        // Half the rows uniform over 4 keys, half on one key: mean entropy log(4) / 2, over log(4).
        var mixed = torch.zeros(1, 1, 2, 4);
        mixed[0, 0, 0] = torch.full(4, 0.25f);
        mixed[0, 0, 1, 0] = torch.tensor(1f);
        probe.Record(mixed);
        Assert.AreEqual(0.5, probe.LastEntropy!.item<float>(), 1e-6);

        var off = new AttentionProbe();
        off.Record(mixed);
        Assert.IsNull(off.LastEntropy, "records nothing unless capturing");
    }
}
