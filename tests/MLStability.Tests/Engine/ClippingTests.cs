using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Tests.Engine;

[TestClass]
public sealed class ClippingTests
{
    private static Tensor[] ParametersWithGradients(float scale)
    {
        torch.random.manual_seed(5);
        var parameters = new[] { torch.zeros(20, 10, requires_grad: true), torch.zeros(10, requires_grad: true) };
        foreach (var p in parameters)
            (p * torch.randn_like(p) * scale).sum().backward();
        return parameters;
    }

    [TestMethod]
    public void GlobalNormClippingBoundsTheNormAndKeepsTheDirection()
    {
        var parameters = ParametersWithGradients(100);
        double before = GradientClipper.GlobalNorm(parameters).item<float>();
        var direction = parameters[0].grad!.clone() / before;
        Assert.IsTrue(before > 10);

        GradientClipper.Create(new DeepNetworkOptions { GradientClipping = GradientClippingKind.GlobalNorm, ClippingThreshold = 2 })!
            .Clip(parameters);

        double after = GradientClipper.GlobalNorm(parameters).item<float>();
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
    public void NoClippingCreatesNoClipper()
    {
        Assert.IsNull(GradientClipper.Create(new DeepNetworkOptions { GradientClipping = GradientClippingKind.None }));
    }
}
