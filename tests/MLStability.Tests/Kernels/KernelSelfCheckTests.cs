using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Tests.Kernels;

/// <summary>
/// The kernel self-check finds wrong kernels (fed deliberately wrong ones, since the faulty processors are not always
/// at hand), routes around them, and leaves training untouched where LibTorch is right.
/// </summary>
[TestClass]
public sealed class KernelSelfCheckTests
{
    private static readonly ConvolutionShape SmallConvolution = new(2, 4, 3, 1, Bias: false);
    private static readonly RecurrentShape SmallLstm = new(RecurrentCellKind.LSTM, 2, 5, Bidirectional: false);

    /// <summary>Forward right, input gradient wrong: the fault seen with oneDNN's AVX-512 convolutions for few channels.</summary>
    private static Tensor WrongInputGradient(Tensor input, Tensor weight, Tensor? bias, long stride)
    {
        Tensor right = ConvolutionKernels.Library(input.detach(), weight, bias, stride);
        Tensor wrong = ConvolutionKernels.Library(input, weight.flip(2, 3).detach(), null, stride);
        return right.Plus(wrong - wrong.detach()); // value of 'right'; gradient to the input through the flipped kernel
    }

    /// <summary>Right with autograd, wrong without: the fault seen with oneDNN's AVX-512 LSTM inference kernel.</summary>
    private static Tensor WrongInference(nn.Module cell, Tensor input)
    {
        Tensor output = RecurrentKernels.Library(cell, input);
        return torch.is_grad_enabled() ? output : output.Plus(torch.full_like(output, 0.3));
    }

    [TestMethod]
    public void AConvolutionWithAWrongInputGradientIsRoutedToUnfold()
    {
        var verdict = KernelSelfCheck.Choose("Convolution", SmallConvolution.ToString(), KernelRoutingMode.Auto,
            (KernelSelfCheck.LibraryRoute, g => ConvolutionKernels.Check(SmallConvolution, WrongInputGradient, g)),
            (nameof(ConvolutionRoute.Unfold), g => ConvolutionKernels.Check(SmallConvolution, ConvolutionKernels.Unfold, g)));
        Assert.AreEqual(nameof(ConvolutionRoute.Unfold), verdict.Route);
        Assert.IsTrue(verdict.IsRouted);
        Assert.IsTrue(verdict.LibraryError > 0.1, $"library error {verdict.LibraryError}");
        Assert.IsTrue(verdict.RouteError < 1e-5, $"route error {verdict.RouteError}");
        StringAssert.Contains(verdict.ToString(), "routed to Unfold");
    }

    [TestMethod]
    public void AnLstmWrongOnlyWithoutAutogradIsRoutedForInferenceAndKeptForTraining()
    {
        var inference = KernelSelfCheck.Choose("Recurrent inference", SmallLstm.ToString(), KernelRoutingMode.Auto,
            (KernelSelfCheck.LibraryRoute, g => RecurrentKernels.CheckInference(SmallLstm, WrongInference, g)),
            (nameof(RecurrentRoute.Composed), g => RecurrentKernels.CheckInference(SmallLstm, ComposedRoute(SmallLstm), g)));
        var training = KernelSelfCheck.Choose("Recurrent training", SmallLstm.ToString(), KernelRoutingMode.Auto,
            (KernelSelfCheck.LibraryRoute, g => RecurrentKernels.CheckTraining(SmallLstm, WrongInference, g)),
            (nameof(RecurrentRoute.Composed), g => RecurrentKernels.CheckTraining(SmallLstm, ComposedRoute(SmallLstm), g)));
        Assert.AreEqual(nameof(RecurrentRoute.Composed), inference.Route);
        Assert.IsTrue(inference.LibraryError > 0.1, $"library error {inference.LibraryError}");
        Assert.AreEqual(KernelSelfCheck.LibraryRoute, training.Route);
    }

    [TestMethod]
    public void AWrongKernelWithoutARightRouteStopsWithTheCheckOutput()
    {
        var fault = Assert.ThrowsExactly<KernelFaultException>(() => KernelSelfCheck.Choose("Linear", "8->4", KernelRoutingMode.Auto,
            (KernelSelfCheck.LibraryRoute, _ => new KernelError(0.5, 1e-3))));
        StringAssert.Contains(fault.Message, "Linear [8->4]");
        StringAssert.Contains(fault.Message, "Library off by 0.5, allowed 0.001");
        StringAssert.Contains(fault.Message, KernelSelfCheck.Processor);
        StringAssert.Contains(fault.Message, "hardware-correctness.md");
    }

    [TestMethod]
    public void SafeModeTakesTheWorkaroundWithoutTryingTheLibrary()
    {
        bool libraryTried = false;
        var verdict = KernelSelfCheck.Choose("Convolution", "test", KernelRoutingMode.Safe,
            (KernelSelfCheck.LibraryRoute, _ => { libraryTried = true; return new KernelError(0, 1e-4); }),
            (nameof(ConvolutionRoute.Unfold), _ => new KernelError(0, 1e-4)));
        Assert.IsFalse(libraryTried);
        Assert.AreEqual(nameof(ConvolutionRoute.Unfold), verdict.Route);
        Assert.IsTrue(double.IsNaN(verdict.LibraryError));
    }

    [TestMethod]
    public void TheCheckFindsEveryFamilyOfAResNetAndAnMlpAndRoutesNothingThatIsRight()
    {
        var options = new DeepNetworkOptions
        {
            Network = NetworkKind.ResNet, InputShape = new[] { 1, 8, 8 }, ResNetChannels = new[] { 4, 8 },
            Normalization = NormalizationKind.GroupNorm, NormalizationGroups = 2, Activation = ActivationKind.GELU,
        };
        using var network = NetworkFactory.Create(64, 3, options);
        var lines = new List<string>();
        var routes = KernelSelfCheck.Prepare(network, options, torch.CPU, batchSize: 16, lines.Add);
        CollectionAssert.IsSubsetOf(new[] { "Convolution", "GroupNorm", "Linear", "Activation" }, routes.Select(r => r.Family).Distinct().ToArray());
        Assert.IsTrue(routes.Where(r => r.Route == KernelSelfCheck.LibraryRoute).All(r => r.LibraryError <= r.AllowedError));
        StringAssert.Contains(lines.Single(), "Kernel self-check on");
    }

    [TestMethod]
    public void TheCheckFindsATransformersAttentionAndCatchesAWrongAttentionKernel()
    {
        var options = new DeepNetworkOptions { Network = NetworkKind.Transformer, InputShape = new[] { 7, 3 }, ModelWidth = 12, AttentionHeads = 3, TransformerLayers = 2 };
        using var network = NetworkFactory.Create(21, 3, options);
        var routes = KernelSelfCheck.Prepare(network, options, torch.CPU, batchSize: 16, null);
        var attention = routes.Single(r => r.Family == "Attention");
        Assert.AreEqual("3 heads x 4, 7 tokens", attention.Shape);
        Assert.IsTrue(attention.LibraryError <= attention.AllowedError, attention.ToString());
        CollectionAssert.IsSubsetOf(new[] { "Linear", "LayerNorm", "Activation" }, routes.Select(r => r.Family).ToArray());

        // Softmax over the queries instead of the keys, and scores without their 1/sqrt(d) scale: both are found.
        Tensor WrongAxis(Tensor q, Tensor k, Tensor v, float scale) => q.matmul(k.transpose(-2, -1)).mul(scale).softmax(-2).matmul(v);
        Tensor Unscaled(Tensor q, Tensor k, Tensor v, float scale) => SelfAttention.Attend(q, k, v, 1);
        foreach (var wrong in new Func<Tensor, Tensor, Tensor, float, Tensor>[] { WrongAxis, Unscaled })
        {
            using var generator = new Generator(KernelSelfCheck.CheckSeed);
            var error = ElementaryKernels.Attention(3, 7, 4, generator, wrong);
            Assert.IsFalse(error.Passes, $"a wrong attention kernel passed: {error.Error}");
        }
    }

    [TestMethod]
    public void TheCheckLeavesTheGlobalGeneratorAsItFoundIt()
    {
        KernelSelfCheck.ForgetVerdicts();
        var options = new DeepNetworkOptions { Network = NetworkKind.Recurrent, InputShape = new[] { 4, 3 }, RecurrentHiddenSize = 7 };
        using var network = NetworkFactory.Create(12, 2, options);
        torch.random.manual_seed(5);
        using var before = torch.rand(4);
        torch.random.manual_seed(5);
        KernelSelfCheck.Prepare(network, options, torch.CPU, batchSize: 16, null);
        using var after = torch.rand(4);
        Assert.IsTrue(before.eq(after).all().item<bool>(), "the check drew from the global generator");
    }

    /// <summary>
    /// The forced workarounds train the network the self-checked kernels train (LibTorch's on a healthy CPU, the routes
    /// where LibTorch is wrong): the same losses, on any processor.
    /// </summary>
    [TestMethod]
    public void ForcedWorkaroundsTrainTheSameResNetAsTheCheckedKernels()
    {
        var data = KernelTestData.Images(rows: 96, side: 6, seed: 3);
        var options = new DeepNetworkOptions
        {
            Network = NetworkKind.ResNet, InputShape = new[] { 1, 6, 6 }, ResNetChannels = new[] { 3, 5 },
            Normalization = NormalizationKind.BatchNorm, Epochs = 2, BatchSize = 16, Dropout = 0, Device = "cpu",
        };
        using var checkedKernels = new NetworkTrainer(options, seed: 4).Train(data);
        TrainedClassifier routed;
        using (KernelSelfCheck.OverrideMode(KernelRoutingMode.Safe))
            routed = new NetworkTrainer(options, seed: 4).Train(data);
        using (routed)
        {
            Assert.IsTrue(routed.Report.KernelRoutes.Where(r => r.Family == "Convolution").All(r => r.Route == nameof(ConvolutionRoute.ForwardInputGradient)));
            for (int epoch = 0; epoch < 2; epoch++)
                Assert.AreEqual(checkedKernels.Report.Epochs[epoch].Progress.TrainingLoss, routed.Report.Epochs[epoch].Progress.TrainingLoss, 1e-4);
            StringAssert.Contains(routed.Report.ToString(), "routed to ForwardInputGradient");
        }
    }

    [TestMethod]
    public void AnUnknownModeIsAClearError()
    {
        Environment.SetEnvironmentVariable(KernelSelfCheck.ModeVariable, "sometimes");
        try
        {
            var error = Assert.ThrowsExactly<InvalidOperationException>(() => KernelSelfCheck.Mode);
            Assert.AreEqual("MLSTABILITY_KERNEL_ROUTES must be \"auto\", \"safe\" or \"library\"; got \"sometimes\".", error.Message);
        }
        finally
        {
            Environment.SetEnvironmentVariable(KernelSelfCheck.ModeVariable, null);
        }
        Assert.AreEqual(KernelRoutingMode.Auto, KernelSelfCheck.Mode);
    }

    private static Func<nn.Module, Tensor, Tensor> ComposedRoute(RecurrentShape shape) =>
        (module, input) => RecurrentKernels.Composed(shape.Cell, input, RecurrentKernels.Weights(module, shape.Directions));
}
