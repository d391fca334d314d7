using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Tests.Kernels;

/// <summary>The workarounds against their references: the forward-convolution input gradient and LibTorch without oneDNN.</summary>
[TestClass]
public sealed class RouteTests
{
    [TestMethod]
    [DataRow(3L, 1L, 8L)]
    [DataRow(3L, 2L, 8L)]
    [DataRow(3L, 2L, 7L)]
    [DataRow(1L, 2L, 7L)]
    [DataRow(1L, 1L, 5L)]
    public void TheForwardConvolutionInputGradientIsTheFloat64Gradient(long kernel, long stride, long side)
    {
        using var scope = torch.NewDisposeScope();
        var shape = new ConvolutionShape(3, 5, kernel, stride, Bias: true, side, side + 1, Batch: 4);
        var error = ConvolutionKernels.Check(shape, ConvolutionKernels.For(ConvolutionRoute.ForwardInputGradient), new Generator(7));
        Assert.IsTrue(error.Error < 1e-5, $"{shape}: off by {error.Error}");
    }

    [TestMethod]
    public void TheSwitchTurnsOneDnnOffWhileAnyHolderHoldsItAndBackAfter()
    {
        if (!OneDnnSwitch.IsAvailable)
            Assert.Inconclusive("LibTorch's oneDNN switch is not reachable on this platform");
        Assert.IsTrue(OneDnnSwitch.IsOneDnnEnabled);
        var outer = OneDnnSwitch.Off();
        var inner = OneDnnSwitch.Off();
        Assert.IsFalse(OneDnnSwitch.IsOneDnnEnabled);
        inner.Dispose();
        inner.Dispose(); // a second dispose releases nothing
        Assert.IsFalse(OneDnnSwitch.IsOneDnnEnabled, "the outer holder still holds it");
        outer.Dispose();
        Assert.IsTrue(OneDnnSwitch.IsOneDnnEnabled);
    }

    [TestMethod]
    [DataRow(RecurrentCellKind.LSTM)]
    [DataRow(RecurrentCellKind.GRU)]
    [DataRow(RecurrentCellKind.Vanilla)]
    public void RecurrentCellsWithoutOneDnnMatchTheirEquationsInInferenceAndTraining(RecurrentCellKind cell)
    {
        if (!OneDnnSwitch.IsAvailable)
            Assert.Inconclusive("LibTorch's oneDNN switch is not reachable on this platform");
        var shape = new RecurrentShape(cell, 3, 12, Bidirectional: true, Steps: 6, Batch: 8);
        var inference = RecurrentKernels.CheckInference(shape, RecurrentKernels.WithoutOneDnn, new Generator(3));
        var training = RecurrentKernels.CheckTraining(shape, RecurrentKernels.WithoutOneDnn, new Generator(3));
        Assert.IsTrue(inference.Passes && inference.Error < 1e-5, $"inference off by {inference.Error}");
        Assert.IsTrue(training.Passes && training.Error < 1e-5, $"training off by {training.Error}");
        Assert.IsTrue(OneDnnSwitch.IsOneDnnEnabled, "the route gave the switch back");
        var trainingKernel = RecurrentKernels.CheckInference(shape, RecurrentKernels.TrainingKernel, new Generator(3));
        Assert.IsTrue(trainingKernel.Passes && trainingKernel.Error < 1e-5, $"inference by the training kernel off by {trainingKernel.Error}");
    }

    [TestMethod]
    public void TheShapeClassNamesTheRealImageSizeAndBatch()
    {
        var options = new DeepNetworkOptions
        {
            Network = NetworkKind.ResNet, InputShape = new[] { 1, 10, 10 }, ResNetChannels = new[] { 4, 8 }, Normalization = NormalizationKind.BatchNorm,
        };
        using var network = NetworkFactory.Create(100, 3, options);
        var routes = KernelSelfCheck.Prepare(network, options, torch.CPU, batchSize: 24, null);
        var shapes = routes.Where(r => r.Family == "Convolution").Select(r => r.Shape).ToArray();
        CollectionAssert.Contains(shapes, "1->4 channels, 3x3, stride 1, 10x10, batch 24");
        CollectionAssert.Contains(shapes, "4->8 channels, 3x3, stride 2, 10x10, batch 24");
        CollectionAssert.Contains(shapes, "8->8 channels, 3x3, stride 1, 5x5, batch 24");
        CollectionAssert.Contains(shapes, "4->8 channels, 1x1, stride 2, 10x10, batch 24");
    }
}
