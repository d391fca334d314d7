using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Tests.Engine;

[TestClass]
public sealed class InitializationTests
{
    private const int FanIn = 400, FanOut = 300;

    [TestMethod]
    [DataRow(InitializationKind.XavierNormal, 1.0)]
    [DataRow(InitializationKind.HeNormal, 1.0)]
    [DataRow(InitializationKind.HeNormal, 1.4142135)]
    [DataRow(InitializationKind.StandardNormal, 1.4142135)]
    [DataRow(InitializationKind.LeCunNormal, 1.4142135)] // the activation's gain does not apply
    public void NormalInitializersHaveTheFormulaStandardDeviation(InitializationKind kind, double gain)
    {
        torch.random.manual_seed(1);
        using var weight = torch.empty(FanOut, FanIn);
        WeightInitializer.Initialize(weight, kind, gain);
        double expected = kind switch
        {
            InitializationKind.XavierNormal => Math.Sqrt(2.0 / (FanIn + FanOut)),
            InitializationKind.StandardNormal => 1.0,
            InitializationKind.LeCunNormal => 1 / Math.Sqrt(FanIn),
            _ => gain / Math.Sqrt(FanIn),
        };
        Assert.AreEqual(expected, weight.std().item<float>(), expected * 0.02);
        Assert.AreEqual(0, weight.mean().item<float>(), expected * 0.02);
    }

    [TestMethod]
    [DataRow(InitializationKind.XavierUniform, 1.0)]
    [DataRow(InitializationKind.HeUniform, 1.4142135)]
    public void UniformInitializersFillTheFormulaInterval(InitializationKind kind, double gain)
    {
        torch.random.manual_seed(2);
        using var weight = torch.empty(FanOut, FanIn);
        WeightInitializer.Initialize(weight, kind, gain);
        double bound = kind == InitializationKind.XavierUniform ? Math.Sqrt(6.0 / (FanIn + FanOut)) : gain * Math.Sqrt(3.0 / FanIn);
        Assert.IsTrue(weight.abs().max().item<float>() <= bound + 1e-6);
        Assert.IsTrue(weight.abs().max().item<float>() > bound * 0.99, "samples should reach the interval's ends");
        Assert.AreEqual(bound / Math.Sqrt(3), weight.std().item<float>(), bound * 0.02); // std of U(-b, b)
    }

    [TestMethod]
    public void OrthogonalInitializerGivesOrthonormalRowsTimesGain()
    {
        torch.random.manual_seed(3);
        using var weight = torch.empty(FanOut, FanIn);
        WeightInitializer.Initialize(weight, InitializationKind.Orthogonal, 2.0);
        using var gram = weight.matmul(weight.t()) / 4.0;
        Assert.IsTrue(gram.allclose(torch.eye(FanOut), rtol: 0, atol: 1e-4));
    }

    [TestMethod]
    public void NetworkInitializationZeroesBiasesExceptForTheDefault()
    {
        torch.random.manual_seed(4);
        var options = new DeepNetworkOptions { HiddenLayers = 2, HiddenSize = 16, Initialization = InitializationKind.HeNormal };
        using var he = new MlpNetwork(10, 3, options);
        Assert.IsTrue(he.LinearLayers().All(l => l.bias is null || l.bias.abs().sum().item<float>() == 0));

        options.Initialization = InitializationKind.Default;
        using var plain = new MlpNetwork(10, 3, options);
        Assert.IsTrue(plain.LinearLayers().All(l => l.bias is null || l.bias.abs().sum().item<float>() > 0));
        // TorchSharp's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        Assert.IsTrue(plain.Blocks[0].Linear.weight!.abs().max().item<float>() <= 1 / Math.Sqrt(10) + 1e-6);
    }

    [TestMethod]
    public void HeGainFollowsTheActivation()
    {
        Assert.AreEqual(Math.Sqrt(2), Activations.Gain(ActivationKind.ReLU, 0), 1e-12);
        Assert.AreEqual(Math.Sqrt(2 / (1 + 0.04)), Activations.Gain(ActivationKind.LeakyReLU, 0.2f), 1e-6);
        Assert.AreEqual(5.0 / 3, Activations.Gain(ActivationKind.Tanh, 0), 1e-12);
        Assert.AreEqual(1.0, Activations.Gain(ActivationKind.Sigmoid, 0), 1e-12);
    }
}
