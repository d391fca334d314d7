using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Tests.Engine;

[TestClass]
public sealed class ClippingTests
{
    private static Parameter[] ParametersWithGradients(float scale)
    {
        torch.random.manual_seed(5);
        var parameters = new[] { new Parameter(torch.zeros(20, 10)), new Parameter(torch.zeros(10)) };
        foreach (var p in parameters)
            (p * torch.randn_like(p) * scale).sum().backward();
        return parameters;
    }

    [TestMethod]
    public void GlobalNormClippingBoundsTheNormAndKeepsTheDirection()
    {
        var parameters = ParametersWithGradients(100);
        double before = GradientClipper.GlobalNorm(parameters);
        Assert.AreEqual(Math.Sqrt(parameters.Sum(p => Math.Pow(p.grad!.norm().item<float>(), 2))), before, 1e-3);
        var direction = parameters[0].grad!.clone() / before;
        Assert.IsTrue(before > 10);

        GradientClipper.Create(new DeepNetworkOptions { GradientClipping = GradientClippingKind.GlobalNorm, ClippingThreshold = 2 })!
            .Clip(parameters);

        double after = GradientClipper.GlobalNorm(parameters);
        Assert.AreEqual(2.0, after, 1e-3);
        Assert.IsTrue((parameters[0].grad! / after).allclose(direction, atol: 1e-5));
    }

    [TestMethod]
    public void GlobalNormClippingLeavesSmallGradientsAlone()
    {
        var parameters = ParametersWithGradients(0.01f);
        var before = parameters[0].grad!.clone();
        GradientClipper.Create(new DeepNetworkOptions { ClippingThreshold = 5 })!.Clip(parameters);
        Assert.IsTrue(parameters[0].grad!.allclose(before, rtol: 1e-5));
    }

    [TestMethod]
    public void ValueClippingBoundsEveryElement()
    {
        var parameters = ParametersWithGradients(100);
        GradientClipper.Create(new DeepNetworkOptions { GradientClipping = GradientClippingKind.Value, ClippingThreshold = 0.5f })!
            .Clip(parameters);
        foreach (var p in parameters)
        {
            Assert.AreEqual(0.5f, p.grad!.abs().max().item<float>(), 1e-6);
        }
    }

    [TestMethod]
    public void MeasuringTheNormLeavesGradientsAloneAndSeesNonFiniteValues()
    {
        var parameters = ParametersWithGradients(3);
        var before = parameters[0].grad!.clone();
        GradientClipper.GlobalNorm(parameters);
        Assert.IsTrue(parameters[0].grad!.allclose(before, rtol: 0, atol: 0));
        parameters[1].grad![3] = float.NaN;
        Assert.IsTrue(double.IsNaN(GradientClipper.GlobalNorm(parameters)));
    }

    [TestMethod]
    public void NoClippingCreatesNoClipper()
    {
        Assert.IsNull(GradientClipper.Create(new DeepNetworkOptions { GradientClipping = GradientClippingKind.None }));
    }
}
