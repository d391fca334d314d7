using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// A square convolution with "same" padding and its optional normalization, as one unit of a ResNet. The
/// convolution has no bias when a normalization follows it (the normalization's shift replaces it).
/// </summary>
internal sealed class ConvUnit : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly nn.Module<Tensor, Tensor>? norm;
    private readonly long kernel, stride;
    private readonly ImageSize inputSize;
    private ConvolutionKernels.Convolution convolve = ConvolutionKernels.Library;
    private ConvolutionRoute route;

    /// <param name="name">Module name.</param>
    /// <param name="inputChannels">Channels in.</param>
    /// <param name="outputChannels">Channels out.</param>
    /// <param name="kernel">Kernel size (odd).</param>
    /// <param name="stride">1, or 2 to halve the image.</param>
    /// <param name="normalization">The normalization after the convolution, or None.</param>
    /// <param name="normalizedChannels">Channels the normalization sees: the output's, or the input's for pre-norm.</param>
    /// <param name="groups">Groups of <see cref="NormalizationKind.GroupNorm"/>.</param>
    /// <param name="inputSize">The size of the images the convolution gets.</param>
    public ConvUnit(string name, long inputChannels, long outputChannels, long kernel, long stride,
        NormalizationKind normalization, long normalizedChannels, int groups, ImageSize inputSize) : base(name)
    {
        this.inputSize = inputSize;
        this.kernel = kernel;
        this.stride = stride;
        norm = Normalizations.Create(normalization, normalizedChannels, groups, spatial: true);
        conv = nn.Conv2d(inputChannels, outputChannels, kernel, stride: stride, padding: kernel / 2,
            bias: normalization == NormalizationKind.None);
        RegisterComponents();
    }

    public Conv2d Conv => conv;

    /// <summary>The size of the images the convolution makes.</summary>
    public ImageSize OutputSize => inputSize.After(kernel, stride);

    /// <summary>The convolution's shape class (at a batch of 2 until the self-check sets the training batch).</summary>
    public ConvolutionShape Shape => new(conv.weight!.shape[1], conv.weight.shape[0], kernel, stride, conv.bias is not null,
        inputSize.Height, inputSize.Width);

    /// <summary>How the convolution is computed (set by the kernel self-check; LibTorch's kernel until then).</summary>
    public ConvolutionRoute Route
    {
        get => route;
        set
        {
            route = value;
            convolve = ConvolutionKernels.For(value);
        }
    }

    public nn.Module<Tensor, Tensor>? Norm => norm;

    /// <summary>Convolution, then normalization.</summary>
    public override Tensor forward(Tensor input) => Normalize(Convolve(input));

    public Tensor Convolve(Tensor input)
    {
        if (!Recording || !input.requires_grad || input.dtype != ScalarType.Float32 || !torch.is_grad_enabled())
            return convolve(input, conv.weight!, conv.bias, stride);
        // A view of the input collects exactly this convolution's input gradient (the input itself may feed a shortcut
        // too). Not alias(): two aliases of one tensor share the gradient autograd keeps for them.
        Tensor watched = input.view(input.shape);
        watched.retain_grad();
        Tensor output = convolve(watched, conv.weight!, conv.bias, stride);
        output.retain_grad();
        Recorded = new AuditedConvolution(watched, output);
        return output;
    }

    /// <summary>Set by <see cref="ConvolutionAudit"/> for one training step: keep the gradients the audit reads.</summary>
    internal bool Recording { get; set; }

    /// <summary>This step's input and output, with their gradients kept, while <see cref="Recording"/>; else null.</summary>
    internal AuditedConvolution? Recorded { get; set; }

    public Tensor Normalize(Tensor input) => norm is null ? input : Normalizations.Forward(norm, input);

    public string ExportConvolve(OnnxGraphBuilder graph, string input) => OnnxLayers.Conv(graph, conv, kernel, stride, input);

    public string ExportNormalize(OnnxGraphBuilder graph, string input) =>
        norm is null ? input : Normalizations.ExportOnnx(graph, norm, input, rank: 4);
}
