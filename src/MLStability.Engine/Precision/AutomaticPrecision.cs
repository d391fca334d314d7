using MLStability.Networks;
using TorchSharp;

namespace MLStability;

/// <summary>
/// What <see cref="PrecisionKind.Auto"/> asks of one fit: bfloat16 steps where they were measured faster than float32 at
/// the same accuracy, float32 everywhere else. The rule is on the device and the network's size, not on a timing taken
/// during the fit, so that the same options and seed train the same model on the same machine every time.
/// </summary>
public static class AutomaticPrecision
{
    /// <summary>
    /// The least multiply-adds of one training step's forward pass (batch rows x the MLP's weights) at which Auto takes
    /// bfloat16: 16 M. Measured on an AMD EPYC Zen 5 with AVX512_BF16 (docs/performance.md), 4 hidden layers on 784
    /// inputs, batch 128, bfloat16 against float32 epoch time: width 32 (3.6 M per step) 0.98, width 64 (8 M) 0.96,
    /// width 128 (19 M) 0.69, width 256 (51 M) 0.78, width 512 (0.17 G) 0.72; a 7-feature table's MLP 1.25 (slower: the
    /// per-step refresh of the bfloat16 copy costs more than its small products save).
    /// </summary>
    public const long MinimumMultiplyAddsPerStep = 16L << 20;

    /// <summary>The precision a fit of <paramref name="options"/> trains <paramref name="network"/> in, batches of <paramref name="batch"/> rows on <paramref name="device"/>.</summary>
    internal static PrecisionKind Resolve(DeepNetworkOptions options, DeepNetwork network, long batch, torch.Device device) =>
        options.Precision != PrecisionKind.Auto ? options.Precision
        : PrefersBFloat16(BFloat16Support.IsNative(device), options.Network, MultiplyAddsPerRow(network), batch) ? PrecisionKind.BFloat16
        : PrecisionKind.Float32;

    /// <summary>
    /// The rule: native bfloat16, an MLP (the family measured; convolutions, recurrences and attention were not, and stay
    /// float32), and a step of at least <see cref="MinimumMultiplyAddsPerStep"/> multiply-adds.
    /// </summary>
    internal static bool PrefersBFloat16(bool nativeBFloat16, NetworkKind network, long multiplyAddsPerRow, long batch) =>
        nativeBFloat16 && network == NetworkKind.Mlp && multiplyAddsPerRow * batch >= MinimumMultiplyAddsPerStep;

    /// <summary>The weights of the network's matrices: for an MLP, the multiply-adds of one row's forward pass.</summary>
    internal static long MultiplyAddsPerRow(DeepNetwork network) =>
        network.parameters().Where(p => p.dim() == 2).Sum(p => p.numel());
}
