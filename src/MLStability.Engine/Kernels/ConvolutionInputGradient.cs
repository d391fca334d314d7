using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// The input gradient of a "same"-padded convolution computed as a forward convolution: the output gradient, spread
/// back onto the stride-1 grid, convolved with the kernel flipped and with its input and output channels swapped.
/// The faulty processors' oneDNN computed the forward convolution right for every shape it got the input gradient
/// wrong for (docs/hardware-correctness.md), and the forward kernel is as fast as the backward one there.
/// </summary>
internal static class ConvolutionInputGradient
{
    /// <summary>
    /// dL/dinput of conv(input, <paramref name="weight"/>) for an input of <paramref name="height"/> x
    /// <paramref name="width"/> with stride <paramref name="stride"/> and padding k / 2, given dL/doutput
    /// <paramref name="outputGradient"/> [N, O, H', W'].
    /// </summary>
    public static Tensor Compute(Tensor outputGradient, Tensor weight, long stride, long height, long width)
    {
        using var scope = NewDisposeScope();
        Tensor adjoint = weight.transpose(0, 1).flip(2, 3); // [C, O, k, k]
        Tensor spread = outputGradient;
        if (stride != 1)
        {
            // The strided outputs sit at every stride-th position of the stride-1 output grid, which is input-sized.
            spread = zeros(new[] { outputGradient.shape[0], outputGradient.shape[1], height, width }, outputGradient.dtype, outputGradient.device);
            spread[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, null, stride), TensorIndex.Slice(0, null, stride)] = outputGradient;
        }
        return LibTorchKernels.Convolution(spread, adjoint, null, 1).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// The <see cref="ConvolutionRoute.ForwardInputGradient"/> route as an autograd function: it passes the output of a
/// convolution that LibTorch computed from the detached input (so LibTorch computes only the weight and bias
/// gradients, with its weight-gradient kernel) and supplies the input gradient by <see cref="ConvolutionInputGradient"/>.
/// Arguments: the output, the input, the weight (detached) and the stride.
/// </summary>
internal sealed class ForwardInputGradientFunction : torch.autograd.SingleTensorFunction<ForwardInputGradientFunction>
{
    /// <inheritdoc/>
    public override string Name => nameof(ForwardInputGradientFunction);

    /// <summary>The route: LibTorch's convolution with the input gradient computed by a forward convolution.</summary>
    public static Tensor Convolve(Tensor input, Tensor weight, Tensor? bias, long stride)
    {
        Tensor output = LibTorchKernels.Convolution(input.detach(), weight, bias, stride);
        // Without an input gradient to compute (the network's input, scoring) LibTorch's output is all there is.
        return input.requires_grad && torch.is_grad_enabled() ? apply(output, input, weight.detach(), stride) : output;
    }

    /// <inheritdoc/>
    public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
    {
        var (output, input, weight) = ((Tensor)vars[0], (Tensor)vars[1], (Tensor)vars[2]);
        ctx.save_for_backward(new List<Tensor> { weight });
        ctx.save_data("stride", vars[3]);
        ctx.save_data("height", input.shape[2]);
        ctx.save_data("width", input.shape[3]);
        return output.alias();
    }

    /// <inheritdoc/>
    public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor outputGradient)
    {
        Tensor weight = ctx.get_saved_variables()[0];
        Tensor inputGradient = ConvolutionInputGradient.Compute(outputGradient, weight, (long)ctx.get_data("stride"),
            (long)ctx.get_data("height"), (long)ctx.get_data("width"));
        // One entry per argument: the output's gradient flows on to LibTorch's weight and bias gradients.
        return new List<Tensor> { outputGradient, inputGradient, null!, null! };
    }
}
