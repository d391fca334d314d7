using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>Bounds gradients in place between backward and the optimizer step.</summary>
internal abstract class GradientClipper
{
    /// <summary>Creates the clipper for the options, or null when clipping is off.</summary>
    public static GradientClipper? Create(DeepNetworkOptions options) => options.GradientClipping switch
    {
        GradientClippingKind.None => null,
        GradientClippingKind.Value => new ValueClipper(options.ClippingThreshold),
        GradientClippingKind.GlobalNorm => new GlobalNormClipper(options.ClippingThreshold),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.GradientClipping, "Unknown clipping."),
    };

    /// <summary>Clips the gradients of <paramref name="parameters"/> in place.</summary>
    public abstract void Clip(IReadOnlyList<Tensor> parameters);

    /// <summary>The global L2 norm of all gradients, as a scalar tensor on their device (no host sync).</summary>
    public static Tensor GlobalNorm(IReadOnlyList<Tensor> parameters)
    {
        Tensor[] norms = parameters.Where(p => p.grad is not null).Select(p => p.grad!.norm()).ToArray();
        return norms.Length == 0 ? torch.zeros(1) : torch.stack(norms).norm();
    }

    private sealed class ValueClipper(float threshold) : GradientClipper
    {
        public override void Clip(IReadOnlyList<Tensor> parameters)
        {
            using Scalar low = (-threshold).ToScalar(), high = threshold.ToScalar();
            foreach (Tensor p in parameters)
                p.grad?.clamp_(low, high);
        }
    }

    /// <summary>Scales all gradients by min(1, threshold / (norm + 1e-6)), computed on the device.</summary>
    private sealed class GlobalNormClipper(float threshold) : GradientClipper
    {
        public override void Clip(IReadOnlyList<Tensor> parameters)
        {
            using var scope = torch.NewDisposeScope();
            using Scalar one = 1.0.ToScalar();
            Tensor coefficient = (threshold / (GlobalNorm(parameters) + 1e-6)).clamp_max(one);
            foreach (Tensor p in parameters)
                p.grad?.mul_(coefficient);
        }
    }
}
