using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// RMS normalization (Zhang and Sennrich 2019): y = x / sqrt(mean(x^2) + eps) * g, with a learnable per-channel scale g
/// (starting at 1) and no shift or centering. Rows ([N, C] or [N, T, C]) are normalized over their last axis; images
/// ([N, C, H, W], <c>spatial</c>) over all channels and positions, as layer normalization of an image is here.
/// </summary>
internal sealed class RmsNormalization : nn.Module<Tensor, Tensor>
{
    /// <summary>Added to the mean square: the value T5 and LLaMA use.</summary>
    public const double Epsilon = 1e-6;

    private readonly Parameter weight;
    private readonly long[] axes;

    public RmsNormalization(long channels, bool spatial) : base(nameof(RmsNormalization))
    {
        Spatial = spatial;
        axes = spatial ? new long[] { 1, 2, 3 } : new long[] { -1 };
        weight = new Parameter(torch.ones(spatial ? new[] { channels, 1, 1 } : new[] { channels }));
        RegisterComponents();
    }

    /// <summary>True for images: statistics over channels and positions, the scale per channel.</summary>
    public bool Spatial { get; }

    /// <summary>The per-channel scale (g).</summary>
    public Parameter Weight => weight;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor meanSquare = TensorOps.Squared(input).mean(axes, keepdim: true);
        return (input * meanSquare.add(TensorOps.Constant(Epsilon), TensorOps.One).rsqrt() * weight).MoveToOuterDisposeScope();
    }
}
