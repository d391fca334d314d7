using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>How a square "same"-padded 2-D convolution is computed.</summary>
internal enum ConvolutionRoute
{
    /// <summary>LibTorch's conv2d (oneDNN on x86 CPUs).</summary>
    Library,
    /// <summary>
    /// im2col: <c>unfold</c> the input into patches and multiply by the flattened kernel. Forward and both gradients
    /// then come from unfold/fold and matrix products, which do not touch oneDNN's convolution kernels.
    /// </summary>
    Unfold,
}

/// <summary>A convolution's shape class: what the self-check checks once per process.</summary>
internal sealed record ConvolutionShape(long InputChannels, long OutputChannels, long Kernel, long Stride, bool Bias)
{
    public override string ToString() =>
        $"{InputChannels}->{OutputChannels} channels, {Kernel}x{Kernel}, stride {Stride}{(Bias ? ", bias" : "")}";
}

/// <summary>The convolution routes and their check against a float64 im2col reference.</summary>
internal static class ConvolutionKernels
{
    /// <summary>The image side and batch the check uses: small, and the sizes at which faults were seen (2x2 to 8x8).</summary>
    private const long CheckSide = 8, CheckBatch = 2;

    /// <summary>A convolution of <paramref name="input"/> [N, C, H, W] by <paramref name="weight"/> [O, C, k, k], padding k / 2.</summary>
    public delegate Tensor Convolution(Tensor input, Tensor weight, Tensor? bias, long stride);

    /// <summary>The implementation of <paramref name="route"/>.</summary>
    public static Convolution For(ConvolutionRoute route) => route == ConvolutionRoute.Unfold ? Unfold : Library;

    /// <summary>LibTorch's convolution.</summary>
    public static Tensor Library(Tensor input, Tensor weight, Tensor? bias, long stride)
    {
        long padding = weight.shape[2] / 2;
        return nn.functional.conv2d(input, weight, bias, strides: new[] { stride, stride }, padding: new[] { padding, padding });
    }

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
    /// The largest relative error of <paramref name="candidate"/> in float32 against the float64 im2col reference:
    /// the output with and without autograd, and the gradients with respect to the input, the weight and the bias.
    /// </summary>
    public static KernelError Check(ConvolutionShape shape, Convolution candidate, Generator generator)
    {
        using var scope = NewDisposeScope();
        double fanIn = shape.InputChannels * shape.Kernel * shape.Kernel;
        Tensor input = KernelComparison.Normal(generator, 1, CheckBatch, shape.InputChannels, CheckSide, CheckSide);
        Tensor weight = KernelComparison.Normal(generator, 1 / Math.Sqrt(fanIn), shape.OutputChannels, shape.InputChannels, shape.Kernel, shape.Kernel);
        Tensor? bias = shape.Bias ? KernelComparison.Normal(generator, 0.1, shape.OutputChannels) : null;
        long outSide = (CheckSide + 2 * (shape.Kernel / 2) - shape.Kernel) / shape.Stride + 1;
        Tensor upstream = KernelComparison.Normal(generator, 1, CheckBatch, shape.OutputChannels, outSide, outSide);

        var expected = Run(Unfold, input, weight, bias, upstream, shape.Stride);
        var (input32, weight32, bias32, upstream32) = (input.to(ScalarType.Float32), weight.to(ScalarType.Float32), bias?.to(ScalarType.Float32), upstream.to(ScalarType.Float32));
        var actual = Run(candidate, input32, weight32, bias32, upstream32, shape.Stride);
        var formula = Run(Unfold, input32, weight32, bias32, upstream32, shape.Stride);
        Tensor inference;
        using (no_grad())
            inference = candidate(input32, weight32, bias32, shape.Stride);
        return KernelComparison.Judge(Pairs(actual, expected).Append((inference, expected.Output)), Pairs(formula, expected));
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
