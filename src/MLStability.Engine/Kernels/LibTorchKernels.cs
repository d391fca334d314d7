using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// LibTorch's own kernels as the <c>Library</c> routes call them: float32 convolutions and recurrent cells, which go
/// to oneDNN on x86 CPUs. Everything that judges or routes around those kernels calls them through here, so that tests
/// can put a kernel that is wrong the way a faulty processor's is (docs/hardware-correctness.md) in LibTorch's place
/// and drive detection, routing and training on any CPU. The workarounds that must not depend on the faulty kernel
/// (the float64 references, LibTorch without oneDNN) call LibTorch directly.
/// </summary>
internal static class LibTorchKernels
{
    private static ConvolutionKernels.Convolution? convolutionOverride;
    private static Func<nn.Module, Tensor, Tensor>? recurrentOverride;

    /// <summary>LibTorch's 2-D convolution of [N, C, H, W] by [O, C, k, k], padding k / 2 (or a test's stand-in).</summary>
    public static Tensor Convolution(Tensor input, Tensor weight, Tensor? bias, long stride) =>
        (convolutionOverride ?? DirectConvolution)(input, weight, bias, stride);

    /// <summary>LibTorch's LSTM, GRU or RNN module over [N, T, F] (batch first), returning [N, T, directions x H] (or a test's stand-in).</summary>
    public static Tensor Recurrent(nn.Module cell, Tensor input) => (recurrentOverride ?? DirectRecurrent)(cell, input);

    /// <summary>LibTorch's convolution, never a stand-in.</summary>
    public static Tensor DirectConvolution(Tensor input, Tensor weight, Tensor? bias, long stride)
    {
        long padding = weight.shape[2] / 2;
        return nn.functional.conv2d(input, weight, bias, strides: new[] { stride, stride }, padding: new[] { padding, padding });
    }

    /// <summary>LibTorch's recurrent module, never a stand-in.</summary>
    public static Tensor DirectRecurrent(nn.Module cell, Tensor input) => cell switch
    {
        LSTM lstm => lstm.forward(input, null).Item1,
        GRU gru => gru.forward(input, null!).Item1,
        RNN rnn => rnn.forward(input, null!).Item1,
        _ => throw new ArgumentException($"{cell.GetType().Name} is not a recurrent module.", nameof(cell)),
    };

    /// <summary>
    /// Puts stand-ins in place of LibTorch's convolution and/or recurrent kernels until the returned object is disposed
    /// (tests: simulated processor faults). The stand-ins receive the direct LibTorch kernels' arguments.
    /// </summary>
    internal static IDisposable Replace(ConvolutionKernels.Convolution? convolution, Func<nn.Module, Tensor, Tensor>? recurrent)
    {
        var (previousConvolution, previousRecurrent) = (convolutionOverride, recurrentOverride);
        convolutionOverride = convolution ?? previousConvolution;
        recurrentOverride = recurrent ?? previousRecurrent;
        KernelSelfCheck.ForgetVerdicts(); // verdicts about the other kernels no longer hold
        return new UndoOnDispose(() =>
        {
            (convolutionOverride, recurrentOverride) = (previousConvolution, previousRecurrent);
            KernelSelfCheck.ForgetVerdicts();
        });
    }
}
