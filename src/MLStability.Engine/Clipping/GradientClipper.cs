using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>Bounds gradients in place between backward and the optimizer step.</summary>
internal abstract class GradientClipper
{
    /// <summary>Creates the clipper for the options, or null when clipping is off.</summary>
    public static GradientClipper? Create(DeepNetworkOptions options, nn.Module? network = null) =>
        Create(options.GradientClipping, options.ClippingThreshold, network);

    /// <summary>
    /// Creates a clipper of the given kind and threshold, or null for <see cref="GradientClippingKind.None"/>.
    /// <see cref="GradientClippingKind.Adaptive"/> clips the parameters of <paramref name="network"/> (its head exempt).
    /// </summary>
    public static GradientClipper? Create(GradientClippingKind kind, float threshold, nn.Module? network = null) => kind switch
    {
        GradientClippingKind.None => null,
        GradientClippingKind.Value => new ValueClipper(threshold),
        GradientClippingKind.GlobalNorm => new GlobalNormClipper(threshold),
        GradientClippingKind.Adaptive => new AdaptiveClipper(threshold,
            network ?? throw new ArgumentNullException(nameof(network), "Adaptive clipping needs the network whose weights it compares with.")),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown clipping."),
    };

    /// <summary>The clipping kind.</summary>
    public abstract GradientClippingKind Kind { get; }

    /// <summary>The element bound or norm bound.</summary>
    public abstract float Threshold { get; }

    /// <summary>
    /// Clips the gradients of <paramref name="parameters"/> in place; returns their global norm before clipping when
    /// clipping had to measure it (global-norm clipping), else null.
    /// </summary>
    public abstract double? Clip(IReadOnlyList<Parameter> parameters);

    /// <summary>
    /// The global L2 norm of all gradients (NaN or infinity when a gradient is not finite). One native call:
    /// LibTorch's clip_grad_norm_ with an infinite bound measures without changing the gradients.
    /// </summary>
    public static double GlobalNorm(IReadOnlyList<Parameter> parameters) =>
        torch.nn.utils.clip_grad_norm_(parameters.Where(p => p.grad is not null), double.PositiveInfinity);

    private sealed class ValueClipper(float threshold) : GradientClipper
    {
        public override GradientClippingKind Kind => GradientClippingKind.Value;
        public override float Threshold => threshold;

        public override double? Clip(IReadOnlyList<Parameter> parameters)
        {
            using Scalar low = (-threshold).ToScalar(), high = threshold.ToScalar();
            foreach (Parameter p in parameters)
                p.grad?.clamp_(low, high);
            return null;
        }
    }

    /// <summary>
    /// Scales all gradients by threshold / (norm + 1e-6) when the norm exceeds the threshold: LibTorch's
    /// clip_grad_norm_, which measures and scales in one native call.
    /// </summary>
    private sealed class GlobalNormClipper(float threshold) : GradientClipper
    {
        public override GradientClippingKind Kind => GradientClippingKind.GlobalNorm;
        public override float Threshold => threshold;

        public override double? Clip(IReadOnlyList<Parameter> parameters) =>
            torch.nn.utils.clip_grad_norm_(parameters.Where(p => p.grad is not null), threshold);
    }
}
