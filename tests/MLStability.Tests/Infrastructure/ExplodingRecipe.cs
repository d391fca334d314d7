namespace MLStability.Tests;

/// <summary>
/// The classic exploding-gradient recipe, applied to a test's options: a deep plain ReLU net with N(0, 1) weights,
/// no normalization, residuals or clipping, trained by plain SGD. Its activations grow by about sqrt(width / 2) per layer.
/// </summary>
internal static class ExplodingRecipe
{
    public static void Apply(StableDeepOptions options, int layers)
    {
        options.HiddenLayers = layers;
        options.Activation = ActivationKind.ReLU;
        options.Initialization = InitializationKind.StandardNormal;
        options.Normalization = NormalizationKind.None;
        options.ResidualConnections = false;
        options.GradientClipping = GradientClippingKind.None;
        options.Optimizer = OptimizerKind.Sgd;
    }
}
