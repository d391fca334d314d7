using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Tests.Engine;

/// <summary>NormalizationKind.RmsNorm against its formula (Zhang and Sennrich 2019), and what it keeps that LayerNorm does not.</summary>
[TestClass]
public sealed class RmsNormalizationTests
{
    [TestMethod]
    public void RowsAreDividedByTheirRootMeanSquareAndScaled()
    {
        using var norm = new RmsNormalization(4, spatial: false);
        using (no_grad())
            norm.Weight.copy_(tensor(new[] { 1f, 2f, 0.5f, -1f }));
        using var x = tensor(new[] { 1f, 2f, 3f, 4f, -2f, 0f, 0f, 2f }, new long[] { 2, 4 });
        var y = norm.forward(x).data<float>().ToArray();
        double rms0 = Math.Sqrt((1 + 4 + 9 + 16) / 4.0 + RmsNormalization.Epsilon), rms1 = Math.Sqrt((4 + 0 + 0 + 4) / 4.0 + RmsNormalization.Epsilon);
        double[] expected = { 1 / rms0, 2 * 2 / rms0, 0.5 * 3 / rms0, -4 / rms0, -2 / rms1, 0, 0, -2 / rms1 };
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], y[i], 1e-6, $"element {i}");
    }

    [TestMethod]
    public void ImagesAreNormalizedOverChannelsAndPositionsWithoutCentering()
    {
        using var norm = new RmsNormalization(3, spatial: true);
        torch.manual_seed(3);
        using var x = torch.randn(2, 3, 4, 4) * 5 + 7; // far from zero mean: RMS norm keeps the mean's sign and share
        using var y = norm.forward(x);
        using var meanSquare = y.square().mean(new long[] { 1, 2, 3 });
        foreach (float value in meanSquare.data<float>())
            Assert.AreEqual(1, value, 1e-4, "unit mean square per image");
        Assert.IsTrue(y.mean().item<float>() > 0.5f, "no centering: a positive mean stays positive");
    }
}
