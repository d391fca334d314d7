namespace MLStability;

/// <summary>One layer's statistics, averaged over the sampled steps of an epoch.</summary>
/// <param name="Layer">Layer name: "block0" ... for hidden layers (their main weight matrix), "head" for the output layer.</param>
/// <param name="GradientNorm">L2 norm of the weight gradient, before clipping.</param>
/// <param name="WeightNorm">L2 norm of the weights.</param>
/// <param name="UpdateRatio">||weights after the step - before|| / ||before||.</param>
/// <param name="NonFiniteGradientFraction">Fraction of gradient values that were NaN or infinite.</param>
/// <param name="ActivationMean">Mean of the layer's activation output (hidden layers; 0 for the head).</param>
/// <param name="ActivationStd">Standard deviation of the activation output.</param>
/// <param name="SaturatedFraction">Sigmoid/tanh: fraction of outputs within 0.01 of a bound; 0 for other activations.</param>
/// <param name="DeadFraction">ReLU family: fraction of units with no positive output in the batch; 0 for sigmoid/tanh.</param>
/// <param name="AttentionEntropy">A Transformer block's attention: the mean entropy of its attention rows divided by
/// log(tokens) (1: uniform, 0: every query attends to one key); null for other layers.</param>
public sealed record LayerStatistics(
    string Layer,
    double GradientNorm,
    double WeightNorm,
    double UpdateRatio,
    double NonFiniteGradientFraction,
    double ActivationMean,
    double ActivationStd,
    double SaturatedFraction,
    double DeadFraction,
    double? AttentionEntropy = null);
