namespace MLStability;

/// <summary>
/// Where a Transformer block normalizes, which decides how deep it trains (the stability lab's rows:
/// docs/transformers.md). <see cref="DeepNetworkOptions.NormalizationPlacement"/> defaults to DeepNorm.
/// </summary>
public enum NormalizationPlacement
{
    /// <summary>
    /// Pre-norm (Xiong et al. 2020): x + f(Norm(x)) for attention and MLP, and a final normalization before pooling.
    /// The residual path is an identity, so gradients reach every block unscaled: trains deep stacks without warmup.
    /// </summary>
    PreNorm,
    /// <summary>
    /// Post-norm, the original Transformer's (Vaswani et al. 2017): Norm(x + f(x)). Every block's normalization also
    /// rescales the gradient on the residual path, which needs learning-rate warmup and diverges at depth.
    /// </summary>
    PostNorm,
    /// <summary>
    /// DeepNorm (Wang et al. 2022): Norm(alpha x + f(x)) with alpha = (2N)^(1/4) for N blocks, and the value, output and
    /// MLP weights initialized smaller by beta = (8N)^(-1/4): post-norm's quality, with updates bounded at any depth.
    /// </summary>
    DeepNorm,
}
