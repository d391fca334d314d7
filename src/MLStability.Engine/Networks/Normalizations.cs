using MLStability.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>Creates the normalization layer a <see cref="NormalizationKind"/> names, and writes its ONNX form.</summary>
internal static class Normalizations
{
    /// <summary>
    /// A normalization over <paramref name="channels"/> features of [N, C] rows (<paramref name="spatial"/> false) or
    /// [N, C, H, W] images; null for <see cref="NormalizationKind.None"/>. Layer normalization of an image normalizes
    /// over all its channels and positions (group normalization with one group).
    /// </summary>
    public static nn.Module<Tensor, Tensor>? Create(NormalizationKind kind, long channels, int groups, bool spatial)
    {
        if (kind == NormalizationKind.GroupNorm && channels % groups != 0)
            throw new ArgumentException(
                $"NormalizationGroups = {groups} must divide every normalized width, and {channels} is not a multiple of it.", "NormalizationGroups");
        return kind switch
        {
            NormalizationKind.BatchNorm => spatial ? nn.BatchNorm2d(channels) : nn.BatchNorm1d(channels),
            NormalizationKind.LayerNorm => spatial ? new GroupNormalization(1, channels) : nn.LayerNorm(channels),
            NormalizationKind.GroupNorm => new GroupNormalization(groups, channels),
            NormalizationKind.RmsNorm => new RmsNormalization(channels, spatial),
            _ => null,
        };
    }

    /// <summary>
    /// Applies a layer made by <see cref="Create"/>. Batch normalization goes through the functional form: TorchSharp
    /// 0.107's <c>BatchNorm.forward</c> counts batches with <c>num_batches_tracked.add_(1)</c>, a temporary Scalar the
    /// garbage collector can free while LibTorch reads it (found under GC stress). The count only matters without a
    /// momentum, and these layers always have one (0.1), so it is not kept.
    /// </summary>
    public static Tensor Forward(nn.Module<Tensor, Tensor> norm, Tensor input) => norm is BatchNorm batch
        ? nn.functional.batch_norm(input, batch.running_mean!, batch.running_var!, batch.weight, batch.bias, batch.training,
            batch.momentum ?? 0.1, batch.eps)
        : norm.forward(input);

    /// <summary>The learnable per-channel scale (gamma) of a normalization layer.</summary>
    public static Parameter Scale(nn.Module<Tensor, Tensor> norm) => norm switch
    {
        LayerNorm layer => layer.weight!,
        BatchNorm batch => batch.weight!,
        GroupNormalization group => group.Weight,
        RmsNormalization rms => rms.Weight,
        _ => throw new ArgumentException($"{norm.GetType().Name} is not a normalization layer."),
    };

    /// <summary>Emits the inference form of a layer made by <see cref="Create"/>; <paramref name="rank"/> is the input's rank.</summary>
    public static string ExportOnnx(OnnxGraphBuilder graph, nn.Module<Tensor, Tensor> norm, string input, int rank) => norm switch
    {
        LayerNorm layer => OnnxLayers.LayerNorm(graph, layer, input),
        BatchNorm batch => OnnxLayers.BatchNorm(graph, batch, input),
        GroupNormalization group => OnnxLayers.GroupNorm(graph, group, input, rank),
        RmsNormalization rms => OnnxLayers.RmsNorm(graph, rms, input),
        _ => throw new NotSupportedException($"{norm.GetType().Name} has no ONNX form."),
    };
}
