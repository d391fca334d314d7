using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>Bounds gradients in place between backward and the optimizer step.</summary>
internal abstract class GradientClipper
{
    /// <summary>Creates the clipper for the options, or null when clipping is off.</summary>
    public static GradientClipper? Create(DeepNetworkOptions options) => Create(options.GradientClipping, options.ClippingThreshold);

    /// <summary>Creates a clipper of the given kind and threshold, or null for <see cref="GradientClippingKind.None"/>.</summary>
    public static GradientClipper? Create(GradientClippingKind kind, float threshold) => kind switch
    {
        GradientClippingKind.None => null,
        GradientClippingKind.Value => new ValueClipper(threshold),
        GradientClippingKind.GlobalNorm => new GlobalNormClipper(threshold),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown clipping."),
    };

    /// <summary>The clipping kind.</summary>
    public abstract GradientClippingKind Kind { get; }

    /// <summary>The element bound or norm bound.</summary>
    public abstract float Threshold { get; }

    /// <summary>Clips the gradients of <paramref name="parameters"/> in place.</summary>
    /// <param name="parameters">The parameters whose gradients are clipped.</param>
    /// <param name="globalNorm">Their global gradient norm when the caller has computed it already.</param>
    public abstract void Clip(IReadOnlyList<Tensor> parameters, Tensor? globalNorm = null);

    /// <summary>The global L2 norm of all gradients, as a scalar tensor on their device (no host sync).</summary>
    public static Tensor GlobalNorm(IReadOnlyList<Tensor> parameters)
    {
        Tensor[] norms = parameters.Where(p => p.grad is not null).Select(p => p.grad!.norm()).ToArray();
        return norms.Length == 0 ? torch.zeros(1) : torch.stack(norms).norm();
    }

    private sealed class ValueClipper(float threshold) : GradientClipper
    {
        public override GradientClippingKind Kind => GradientClippingKind.Value;
        public override float Threshold => threshold;

        public override void Clip(IReadOnlyList<Tensor> parameters, Tensor? globalNorm = null)
        {
            using Scalar low = (-threshold).ToScalar(), high = threshold.ToScalar();
            foreach (Tensor p in parameters)
                p.grad?.clamp_(low, high);
        }
    }

    /// <summary>Scales all gradients by min(1, threshold / (norm + 1e-6)), computed on the device.</summary>
    private sealed class GlobalNormClipper(float threshold) : GradientClipper
    {
        public override GradientClippingKind Kind => GradientClippingKind.GlobalNorm;
        public override float Threshold => threshold;

        public override void Clip(IReadOnlyList<Tensor> parameters, Tensor? globalNorm = null)
        {
            using var scope = torch.NewDisposeScope();
            using Scalar one = 1.0.ToScalar(), epsilon = 1e-6.ToScalar(), bound = threshold.ToScalar();
            Tensor coefficient = (globalNorm ?? GlobalNorm(parameters)).add(epsilon).reciprocal_().mul_(bound).clamp_max_(one);
            foreach (Tensor p in parameters)
                p.grad?.mul_(coefficient);
        }
    }
}
