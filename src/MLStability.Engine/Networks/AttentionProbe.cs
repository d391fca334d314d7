using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// Records how spread out a self-attention layer's weights are on the steps diagnostics sample: the mean entropy of
/// the attention rows divided by log(tokens), so 1 is uniform attention and 0 is every query attending to one key.
/// Entropy collapse (Zhai et al. 2023) goes with unstable Transformer training; see <see cref="VerdictRules"/>.
/// </summary>
internal sealed class AttentionProbe
{
    /// <summary>When true, <see cref="Record"/> computes the entropy; otherwise it costs nothing.</summary>
    public bool Capture { get; set; }

    /// <summary>The last recorded normalized entropy (a scalar tensor of the step's dispose scope), or null.</summary>
    public Tensor? LastEntropy { get; private set; }

    /// <summary>Takes what <paramref name="other"/> recorded (the bfloat16 copy's probe of the same layer), as float32.</summary>
    public void Adopt(AttentionProbe other)
    {
        if (other.Capture && other.LastEntropy is Tensor entropy)
            LastEntropy = entropy.to(ScalarType.Float32);
    }

    /// <summary>Records the normalized entropy of <paramref name="weights"/> [N, heads, T, T] (rows sum to 1) when capturing.</summary>
    public void Record(Tensor weights)
    {
        if (!Capture)
            return;
        using var noGrad = torch.no_grad();
        Tensor p = weights.detach().to(ScalarType.Float32);
        long tokens = p.shape[^1];
        // 0 log 0 = 0: clamp inside the log only, so zero weights add nothing.
        Tensor entropy = -(p * p.clamp_min(TensorOps.Constant(1e-30)).log()).sum(-1).mean();
        LastEntropy = tokens > 1 ? entropy.div(TensorOps.Constant(Math.Log(tokens))) : torch.ones_like(entropy);
    }
}
