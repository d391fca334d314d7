using MLStability;

namespace StabilityLab;

/// <summary>
/// One row of the lab: a named configuration at a depth; with <paramref name="FindLearningRate"/>, the learning rate is
/// the range test's suggestion (<c>FindLearningRate</c>) for that configuration instead of the configured one.
/// </summary>
internal sealed record Experiment(string Set, string Name, int Depth, Action<StableDeepOptions> Configure, bool FindLearningRate = false);

/// <summary>
/// The seeds' comparison experiments: a plain deep sigmoid net, then one technique at a time, then all together;
/// and an exploding ReLU net with N(0, 1) weights and SGD at 0.1, without and with remedies.
/// </summary>
internal static class Experiments
{
    public const int Width = 128;

    /// <summary>The plain baseline: sigmoid, TorchSharp's default init, no residual, no normalization, no clipping.</summary>
    private static void Plain(StableDeepOptions o)
    {
        o.Activation = ActivationKind.Sigmoid;
        o.Initialization = InitializationKind.Default;
        o.ResidualConnections = false;
        o.Normalization = NormalizationKind.None;
        o.GradientClipping = GradientClippingKind.None;
        o.Optimizer = OptimizerKind.Adam;
        o.WeightDecay = 0;
        o.LearningRateSchedule = LearningRateScheduleKind.Constant;
        o.WarmupSteps = 0;
        o.Dropout = 0;
        o.OnInstability = InstabilityPolicy.Stop;
    }

    public static IEnumerable<Experiment> Vanishing(IEnumerable<int> depths)
    {
        foreach (int depth in depths)
        {
            yield return new("vanishing", "plain sigmoid, default init", depth, Plain);
            yield return new("vanishing", "+ Xavier init", depth, o => { Plain(o); o.Initialization = InitializationKind.XavierUniform; });
            yield return new("vanishing", "ReLU + He init", depth, o => { Plain(o); o.Activation = ActivationKind.ReLU; o.Initialization = InitializationKind.HeNormal; });
            yield return new("vanishing", "tanh + LSUV init", depth, o => { Plain(o); o.Activation = ActivationKind.Tanh; o.Initialization = InitializationKind.Lsuv; });
            yield return new("vanishing", "SELU + LeCun normal (self-normalizing)", depth, o => { Plain(o); o.Activation = ActivationKind.SELU; o.Initialization = InitializationKind.LeCunNormal; });
            yield return new("vanishing", "ReLU + He init + OneCycle", depth, o => { Plain(o); o.Activation = ActivationKind.ReLU; o.Initialization = InitializationKind.HeNormal; o.LearningRateSchedule = LearningRateScheduleKind.OneCycle; });
            yield return new("vanishing", "ReLU + He init, learning rate from the range test", depth, o => { Plain(o); o.Activation = ActivationKind.ReLU; o.Initialization = InitializationKind.HeNormal; }, FindLearningRate: true);
            yield return new("vanishing", "ReLU + He init + ReduceOnPlateau", depth, o => { Plain(o); o.Activation = ActivationKind.ReLU; o.Initialization = InitializationKind.HeNormal; o.LearningRateSchedule = LearningRateScheduleKind.ReduceOnPlateau; o.ValidationFraction = 0.1f; o.PlateauPatience = 1; });
            yield return new("vanishing", "+ BatchNorm", depth, o => { Plain(o); o.Normalization = NormalizationKind.BatchNorm; });
            yield return new("vanishing", "+ LayerNorm", depth, o => { Plain(o); o.Normalization = NormalizationKind.LayerNorm; });
            yield return new("vanishing", "+ RMSNorm", depth, o => { Plain(o); o.Normalization = NormalizationKind.RmsNorm; });
            yield return new("vanishing", "+ residual", depth, o => { Plain(o); o.ResidualConnections = true; });
            yield return new("vanishing", "+ clipping", depth, o => { Plain(o); o.GradientClipping = GradientClippingKind.GlobalNorm; });
            yield return new("vanishing", "all together (stable preset)", depth, _ => { });
            // bfloat16 is emulated (several times slower) on CPUs without AVX512_BF16 or AMX: shown where it stays cheap.
            if (depth <= 20)
                yield return new("vanishing", "all together, bfloat16 steps", depth, o => o.Precision = PrecisionKind.BFloat16);
        }
    }

    /// <summary>
    /// The depth-frontier preset: pre-norm residual blocks (y = x + a * f(LayerNorm(x))) with ReZero gates a that start
    /// at 0, ReLU with He initialization, global-norm clipping at 1, AdamW with warmup and cosine decay, no dropout.
    /// </summary>
    public static void Frontier(StableDeepOptions o)
    {
        o.Activation = ActivationKind.ReLU;
        o.Initialization = InitializationKind.HeNormal;
        o.ResidualConnections = true;
        o.Normalization = NormalizationKind.LayerNorm;
        o.PreNormalization = true;
        o.ReZero = true;
        o.GradientClipping = GradientClippingKind.GlobalNorm;
        o.ClippingThreshold = 1;
        o.Optimizer = OptimizerKind.AdamW;
        o.Dropout = 0;
    }

    public static IEnumerable<Experiment> DepthFrontier(IEnumerable<int> depths)
    {
        foreach (int depth in depths)
            yield return new("frontier", "pre-norm + ReZero residual, ReLU + He, clipping, AdamW", depth, Frontier);
    }

    /// <summary>Where the plain nets stop learning, for contrast.</summary>
    public static IEnumerable<Experiment> PlainContrast(IEnumerable<int> depths)
    {
        foreach (int depth in depths)
        {
            yield return new("contrast", "plain sigmoid, default init", depth, Plain);
            yield return new("contrast", "plain ReLU, default init", depth, o => { Plain(o); o.Activation = ActivationKind.ReLU; });
        }
    }

    /// <summary>ReLU, N(0, 1) weights, SGD at learning rate 0.1: NaN within a few steps.</summary>
    private static void Exploding(StableDeepOptions o)
    {
        Plain(o);
        o.Activation = ActivationKind.ReLU;
        o.Initialization = InitializationKind.StandardNormal;
        o.Optimizer = OptimizerKind.Sgd;
        o.LearningRate = 0.1f;
    }

    public static IEnumerable<Experiment> Explosion(int depth)
    {
        yield return new("exploding", "ReLU, N(0,1) init, SGD 0.1: no remedy", depth, Exploding);
        yield return new("exploding", "+ clipping", depth, o => { Exploding(o); o.GradientClipping = GradientClippingKind.GlobalNorm; });
        yield return new("exploding", "+ adaptive clipping (λ 0.01)", depth, o => { Exploding(o); o.GradientClipping = GradientClippingKind.Adaptive; o.ClippingThreshold = 0.01f; });
        yield return new("exploding", "+ LayerNorm", depth, o => { Exploding(o); o.Normalization = NormalizationKind.LayerNorm; });
        yield return new("exploding", "+ RMSNorm", depth, o => { Exploding(o); o.Normalization = NormalizationKind.RmsNorm; });
        yield return new("exploding", "+ learning rate from the range test", depth, Exploding, FindLearningRate: true);
        yield return new("exploding", "+ rollback", depth, o => { Exploding(o); o.OnInstability = InstabilityPolicy.Rollback; });
    }

    /// <summary>
    /// Brock et al.'s (2021) claim, on the digits: the sample's ResNet (1 x 28 x 28, stages of 16/32/64 channels, one
    /// block each) without normalization, SGD with momentum at learning rate 2, 3 epochs, under global-norm clipping and
    /// under adaptive clipping. The depth column counts residual blocks.
    /// </summary>
    public static IEnumerable<Experiment> NormalizerFree()
    {
        static void Unnormalized(StableDeepOptions o)
        {
            var preset = StableDeepOptions.ForImages(1, 28, 28);
            o.Network = preset.Network;
            o.InputShape = preset.InputShape;
            o.Normalization = NormalizationKind.None;
            o.Optimizer = OptimizerKind.Momentum;
            o.LearningRate = 2f;
            o.Epochs = 3;
        }
        yield return new("normalizer-free", "ResNet without normalization, SGD momentum at 2: global-norm clipping (1)", 3,
            o => { Unnormalized(o); o.GradientClipping = GradientClippingKind.GlobalNorm; o.ClippingThreshold = 1; });
        yield return new("normalizer-free", "ResNet without normalization, SGD momentum at 2: adaptive clipping (λ 0.01)", 3,
            o => { Unnormalized(o); o.GradientClipping = GradientClippingKind.Adaptive; o.ClippingThreshold = 0.01f; });
    }

    /// <summary>The Transformer rows' model width (4 heads of 8): narrow, so that 96 blocks train in about a minute.</summary>
    public const int TransformerWidth = 32;

    /// <summary>
    /// Where a Transformer's normalization sits, at depth (Xiong et al. 2020; Wang et al. 2022): a Transformer over the
    /// digits' 28 rows with post-norm blocks without and with warmup, pre-norm blocks and DeepNorm, at the family's
    /// learning rate (3e-3, cosine), without clipping, dropout or rollback, so that nothing hides a divergence. The depth
    /// column counts encoder blocks.
    /// </summary>
    public static IEnumerable<Experiment> TransformerPlacement(IEnumerable<int> depths)
    {
        static Action<StableDeepOptions> Encoder(int depth, NormalizationPlacement placement, bool warmup) => o =>
        {
            o.Network = NetworkKind.Transformer;
            o.InputShape = new[] { 28, 28 };
            o.TransformerLayers = depth;
            o.ModelWidth = TransformerWidth;
            o.NormalizationPlacement = placement;
            o.BatchSize = 32;
            o.WarmupSteps = warmup ? 100 : 0;
            o.GradientClipping = GradientClippingKind.None;
            o.Dropout = 0;
            o.OnInstability = InstabilityPolicy.Stop;
        };
        foreach (int depth in depths)
        {
            yield return new("transformer", "post-norm, no warmup", depth, Encoder(depth, NormalizationPlacement.PostNorm, warmup: false));
            yield return new("transformer", "post-norm, warmup", depth, Encoder(depth, NormalizationPlacement.PostNorm, warmup: true));
            yield return new("transformer", "pre-norm, warmup", depth, Encoder(depth, NormalizationPlacement.PreNorm, warmup: true));
            yield return new("transformer", "DeepNorm, warmup", depth, Encoder(depth, NormalizationPlacement.DeepNorm, warmup: true));
        }
    }
}
