using MLStability.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// A per-column affine map y = (x - Shift) * Scale, optionally followed by logarithmic compression of the tails beyond
/// |y| = <see cref="TailStart"/> (y' = sign(y) (TailStart + ln(1 + |y| - TailStart)), continuous with slope 1 at the
/// joint). Features are scaled with it before the network; regression targets are standardized with it and restored by
/// <see cref="ScalingOnDevice.Invert"/>. The same map is written into the ONNX graph.
/// </summary>
internal sealed record AffineScaling(float[] Shift, float[] Scale, bool CompressTails)
{
    /// <summary>Where tail compression starts, in scaled units.</summary>
    public const float TailStart = 3;

    public int Columns => Shift.Length;

    /// <summary>True when the map changes nothing (every shift 0, every scale 1, no compression).</summary>
    public bool IsIdentity => !CompressTails && Shift.All(v => v == 0) && Scale.All(v => v == 1);

    /// <summary>Scales [N, Columns] values (a one-off use; a model keeps <see cref="On"/>'s tensors instead).</summary>
    public Tensor Apply(Tensor x)
    {
        using var constants = On(x.device);
        return constants.Apply(x);
    }

    /// <summary>
    /// Scales the rows of <paramref name="x"/> (rows x <see cref="Columns"/>) in place: the same values as
    /// <see cref="Apply"/>, without its temporaries the size of the whole table (a 60,000 x 784 table took 6.9 s
    /// out of place, most of it in allocating and touching seven tensors of 188 MB).
    /// </summary>
    public void ApplyInPlace(Tensor x)
    {
        using var constants = On(x.device);
        constants.ApplyInPlace(x);
    }

    /// <summary>The map's constants as tensors on <paramref name="device"/>, for a model that applies it to every batch.</summary>
    public ScalingOnDevice On(Device device) => new(Constant(Shift, device), Constant(Scale, device), CompressTails);

    // Owned by the ScalingOnDevice (disposed with the model), never by a dispose scope the caller happens to be in.
    private static Tensor Constant(float[] values, Device device)
    {
        using var scope = NewDisposeScope();
        return tensor(values, new long[] { 1, values.Length }).to(device).DetachFromDisposeScope();
    }

    /// <summary>Emits <see cref="ScalingOnDevice.Apply"/> on an [N, Columns] input; returns the scaled value's name.</summary>
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string shifted = graph.Node("Sub", new[] { input, graph.Initializer("scaling_shift", Shift, 1, Columns) });
        string y = graph.Node("Mul", new[] { shifted, graph.Initializer("scaling_scale", Scale, 1, Columns) });
        if (!CompressTails)
            return y;
        string excess = graph.Node("Relu", new[] { graph.Node("Sub", new[] { graph.Node("Abs", new[] { y }), graph.Initializer("tail_start", new[] { TailStart }) }) });
        string logPart = graph.Node("Log", new[] { graph.Node("Add", new[] { excess, graph.Initializer("one", new[] { 1f }) }) });
        string correction = graph.Node("Mul", new[] { graph.Node("Sign", new[] { y }), graph.Node("Sub", new[] { logPart, excess }) });
        return graph.Node("Add", new[] { y, correction });
    }

    /// <summary>Emits <see cref="ScalingOnDevice.Invert"/>; returns the restored value's name.</summary>
    public string ExportInverseOnnx(OnnxGraphBuilder graph, string input)
    {
        string unscaled = graph.Node("Div", new[] { input, graph.Initializer("target_scale", Scale, 1, Columns) });
        return graph.Node("Add", new[] { unscaled, graph.Initializer("target_shift", Shift, 1, Columns) });
    }
}

/// <summary>
/// An <see cref="AffineScaling"/>'s shift and scale as tensors on one device, made once for a model's lifetime (scoring
/// can run row by row) and read by any number of threads.
/// </summary>
internal sealed class ScalingOnDevice(Tensor shift, Tensor scale, bool compressTails) : IDisposable
{
    /// <summary>Scales [N, Columns] values, then compresses the tails if the map says so.</summary>
    public Tensor Apply(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor y = (x - shift) * scale;
        return (compressTails ? Compress(y) : y).MoveToOuterDisposeScope();
    }

    /// <summary>The rows processed together by <see cref="ApplyInPlace"/>: a few megabytes of temporaries, kept in cache.</summary>
    private const long InPlaceRowsPerChunk = 1024;

    /// <summary>
    /// <see cref="Apply"/> in place, <see cref="InPlaceRowsPerChunk"/> rows at a time, each chunk by the same
    /// element-wise operations in the same order, so the values are identical.
    /// </summary>
    public void ApplyInPlace(Tensor x)
    {
        using var noGrad = no_grad();
        long rows = x.shape[0];
        for (long start = 0; start < rows; start += InPlaceRowsPerChunk)
        {
            using var scope = NewDisposeScope();
            Tensor y = x.narrow(0, start, Math.Min(InPlaceRowsPerChunk, rows - start));
            y.sub_(shift).mul_(scale);
            if (compressTails)
                y.add_(TailCorrection(y));
        }
    }

    /// <summary>Undoes the affine map (not the compression, which targets never get): x = y / Scale + Shift.</summary>
    public Tensor Invert(Tensor y)
    {
        using var scope = NewDisposeScope();
        return (y / scale).Plus(shift).MoveToOuterDisposeScope();
    }

    private static Tensor Compress(Tensor y) => y.Plus(TailCorrection(y));

    /// <summary>What compressing the tails adds to <paramref name="y"/>: sign(y) (log(1 + e) - e) for the excess e beyond ±TailStart.</summary>
    private static Tensor TailCorrection(Tensor y)
    {
        Tensor excess = y.abs().sub(TensorOps.Constant(AffineScaling.TailStart)).clamp_min(TensorOps.Constant(0));
        return y.sign() * (excess.log1p() - excess);
    }

    public void Dispose()
    {
        shift.Dispose();
        scale.Dispose();
    }
}
