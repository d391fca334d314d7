using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Unit-wise adaptive gradient clipping (Brock et al. 2021, "High-Performance Large-Scale Image Recognition Without
/// Normalization", NFNets): for every output unit u of a weight, g_u is scaled by min(1, lambda max(|w_u|, 1e-3) / |g_u|),
/// where |.| is the L2 norm over the unit's inputs (and kernel positions); one-dimensional parameters (biases, norm
/// scales) are clipped element by element. The classifier head is exempt, as in the paper. Gradients that are small
/// relative to their weights pass unchanged, so the bound follows each layer's scale instead of one global number.
/// </summary>
internal sealed class AdaptiveClipper : GradientClipper
{
    /// <summary>The weight-norm floor: zero-initialized weights may still move.</summary>
    private const double WeightNormFloor = 1e-3;

    private readonly float lambda;
    private readonly Parameter[] clipped;

    public AdaptiveClipper(float lambda, nn.Module network)
    {
        this.lambda = lambda;
        clipped = network.named_parameters().Where(p => !IsHead(p.name)).Select(p => p.parameter).ToArray();
    }

    public override GradientClippingKind Kind => GradientClippingKind.Adaptive;

    public override float Threshold => lambda;

    // Clips the network's own parameters, head exempt, which it resolved once at construction; the optimizer's list
    // (the same tensors) says nothing about which of them is the head.
    public override double? Clip(IReadOnlyList<Parameter> parameters)
    {
        using var noGrad = torch.no_grad();
        foreach (Parameter parameter in clipped)
        {
            if (parameter.grad is not Tensor gradient)
                continue;
            using var scope = NewDisposeScope();
            Tensor bound = UnitNorm(parameter.detach()).clamp_min(TensorOps.Constant(WeightNormFloor)).mul(TensorOps.Constant(lambda));
            Tensor scale = (bound / UnitNorm(gradient).clamp_min(TensorOps.Constant(1e-6))).clamp_max(TensorOps.Constant(1));
            gradient.mul_(scale);
        }
        return null;
    }

    /// <summary>The L2 norm of each output unit (over every axis but the first), kept broadcastable; |x| for vectors.</summary>
    private static Tensor UnitNorm(Tensor x) => x.dim() <= 1
        ? x.abs()
        : TensorOps.Squared(x).sum(Enumerable.Range(1, (int)x.dim() - 1).Select(d => (long)d).ToArray(), keepdim: true).sqrt();

    /// <summary>The last linear layer: "head." in every network ("decoder.head." in the autoencoder).</summary>
    private static bool IsHead(string name) => name.StartsWith("head.", StringComparison.Ordinal) || name.Contains(".head.", StringComparison.Ordinal);
}
