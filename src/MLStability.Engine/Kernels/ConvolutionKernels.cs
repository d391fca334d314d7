using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>How a square "same"-padded 2-D convolution is computed, in the order the self-check tries them.</summary>
internal enum ConvolutionRoute
{
    /// <summary>LibTorch's conv2d (oneDNN on x86 CPUs), forward and both gradients.</summary>
    Library,
    /// <summary>
    /// LibTorch's conv2d for the output and the weight and bias gradients; the input gradient as a forward convolution
    /// (<see cref="ConvolutionInputGradient"/>). Close to LibTorch's speed, and clear of the one kernel (oneDNN's
    /// backward-data) that was seen wrong.
    /// </summary>
    ForwardInputGradient,
    /// <summary>
    /// im2col: <c>unfold</c> the input into patches and multiply by the flattened kernel. Forward and both gradients
    /// then come from unfold/fold and matrix products, which do not touch oneDNN's convolution kernels; two to six
    /// times slower than LibTorch's kernel, the last resort.
    /// </summary>
    Unfold,
}

/// <summary>
/// A convolution's shape class as training runs it: channels, kernel, stride, bias, the input images' size and the
/// training batch. oneDNN chooses its kernels and their split across threads by all of these, so the self-check
/// checks each class once per process at these sizes.
/// </summary>
internal sealed record ConvolutionShape(long InputChannels, long OutputChannels, long Kernel, long Stride, bool Bias,
    long Height = 8, long Width = 8, long Batch = 2)
{
    public long Padding => Kernel / 2;

    public long OutputHeight => (Height + 2 * Padding - Kernel) / Stride + 1;

    public long OutputWidth => (Width + 2 * Padding - Kernel) / Stride + 1;

    public override string ToString() =>
        $"{InputChannels}->{OutputChannels} channels, {Kernel}x{Kernel}, stride {Stride}{(Bias ? ", bias" : "")}, {Height}x{Width}, batch {Batch}";
}

/// <summary>The convolution routes and their check against a float64 reference.</summary>
internal static class ConvolutionKernels
{
    /// <summary>Checks at the training thread count after the one-thread check: a fault seen in 1 of 20 calls there needs repeats.</summary>
    internal const int RepeatsAtTrainingThreads = 3;

    /// <summary>A convolution of <paramref name="input"/> [N, C, H, W] by <paramref name="weight"/> [O, C, k, k], padding k / 2.</summary>
    public delegate Tensor Convolution(Tensor input, Tensor weight, Tensor? bias, long stride);

    /// <summary>The implementation of <paramref name="route"/>.</summary>
    public static Convolution For(ConvolutionRoute route) => route switch
    {
        ConvolutionRoute.ForwardInputGradient => ForwardInputGradientFunction.Convolve,
        ConvolutionRoute.Unfold => Unfold,
        _ => Library,
    };

    /// <summary>LibTorch's convolution.</summary>
    public static Tensor Library(Tensor input, Tensor weight, Tensor? bias, long stride) => LibTorchKernels.Convolution(input, weight, bias, stride);

    /// <summary>The same convolution as an unfold (im2col) and one batched matrix product.</summary>
    public static Tensor Unfold(Tensor input, Tensor weight, Tensor? bias, long stride)
    {
        long batch = input.shape[0], height = input.shape[2], width = input.shape[3];
        long outputs = weight.shape[0], kernel = weight.shape[2], padding = kernel / 2;
        long outHeight = (height + 2 * padding - kernel) / stride + 1, outWidth = (width + 2 * padding - kernel) / stride + 1;
        Tensor patches = nn.functional.unfold(input, kernel, padding: padding, stride: stride); // [N, C k k, L]
        Tensor output = weight.reshape(outputs, -1).matmul(patches);                           // [N, O, L]
        if (bias is not null)
            output = output.Plus(bias.view(1, outputs, 1));
        return output.view(batch, outputs, outHeight, outWidth);
    }

    /// <summary>
    /// The largest relative error of <paramref name="candidate"/> in float32 against LibTorch's float64 convolution
    /// (which oneDNN does not compute) at the shape's real image size and batch: the output with and without autograd,
    /// and the gradients with respect to the input, the weight and the bias. The candidate runs once with one
    /// intra-op thread, where the faults seen were deterministic, then <see cref="RepeatsAtTrainingThreads"/> times with
    /// the threads training uses, where they were random; the worst run counts.
    /// </summary>
    public static KernelError Check(ConvolutionShape shape, Convolution candidate, Generator generator)
    {
        using var scope = NewDisposeScope();
        double fanIn = shape.InputChannels * shape.Kernel * shape.Kernel;
        Tensor input = KernelComparison.Normal(generator, 1, shape.Batch, shape.InputChannels, shape.Height, shape.Width);
        Tensor weight = KernelComparison.Normal(generator, 1 / Math.Sqrt(fanIn), shape.OutputChannels, shape.InputChannels, shape.Kernel, shape.Kernel);
        Tensor? bias = shape.Bias ? KernelComparison.Normal(generator, 0.1, shape.OutputChannels) : null;
        Tensor upstream = KernelComparison.Normal(generator, 1, shape.Batch, shape.OutputChannels, shape.OutputHeight, shape.OutputWidth);

        var expected = Run(LibTorchKernels.DirectConvolution, input, weight, bias, upstream, shape.Stride);
        var (input32, weight32, bias32, upstream32) = (input.to(ScalarType.Float32), weight.to(ScalarType.Float32), bias?.to(ScalarType.Float32), upstream.to(ScalarType.Float32));
        double worst = 0;
        foreach (int threads in KernelSelfCheck.CheckThreadCounts(RepeatsAtTrainingThreads))
        {
            using var limit = IntraOpThreads.Use(threads);
            using var run = NewDisposeScope();
            var actual = Run(candidate, input32, weight32, bias32, upstream32, shape.Stride);
            Tensor inference;
            using (no_grad())
                inference = candidate(input32, weight32, bias32, shape.Stride);
            worst = Math.Max(worst, KernelComparison.WorstError(Pairs(actual, expected).Append((inference, expected.Output))));
            if (!(worst <= KernelSelfCheck.Tolerance))
                break; // wrong once is wrong
        }
        return new KernelError(worst, KernelSelfCheck.Tolerance);
    }

    private static IEnumerable<(Tensor, Tensor)> Pairs(Results actual, Results expected)
    {
        yield return (actual.Output, expected.Output);
        yield return (actual.InputGradient, expected.InputGradient);
        yield return (actual.WeightGradient, expected.WeightGradient);
        if (expected.BiasGradient is not null)
            yield return (actual.BiasGradient!, expected.BiasGradient);
    }

    private sealed record Results(Tensor Output, Tensor InputGradient, Tensor WeightGradient, Tensor? BiasGradient);

    /// <summary>Output and gradients of sum(output * upstream) with respect to input, weight and bias.</summary>
    private static Results Run(Convolution convolution,
        Tensor input, Tensor weight, Tensor? bias, Tensor upstream, long stride)
    {
        using var grad = enable_grad();
        input = input.detach().requires_grad_(true);
        weight = weight.detach().requires_grad_(true);
        bias = bias?.detach().requires_grad_(true);
        Tensor output = convolution(input, weight, bias, stride);
        var sources = bias is null ? new[] { input, weight } : new[] { input, weight, bias };
        var gradients = autograd.grad(new[] { (output * upstream).sum() }, sources);
        return new Results(output.detach(), gradients[0], gradients[1], bias is null ? null : gradients[2]);
    }
}
