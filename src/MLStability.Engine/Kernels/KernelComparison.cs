using static TorchSharp.torch;

namespace MLStability;

/// <summary>A kernel's largest relative error against its reference, and the error it is allowed.</summary>
internal readonly record struct KernelError(double Error, double Allowed)
{
    public bool Passes => Error <= Allowed;
}

/// <summary>How a kernel's float32 result is compared with its float64 reference.</summary>
internal static class KernelComparison
{
    /// <summary>
    /// Errors are relative to the reference's largest magnitude, but never to less than this: check data are of unit
    /// scale, so a reference that is (nearly) zero everywhere is a degenerate case, not one to magnify rounding by.
    /// </summary>
    private const double ScaleFloor = 1e-2;

    /// <summary>
    /// The largest absolute difference between <paramref name="actual"/> and <paramref name="reference"/>, relative to
    /// the reference's largest magnitude (so it reads the same for outputs and gradients of any scale); infinity when
    /// the shapes differ or a value is not finite.
    /// </summary>
    public static double RelativeError(Tensor actual, Tensor reference)
    {
        if (!actual.shape.SequenceEqual(reference.shape))
            return double.PositiveInfinity;
        using var scope = NewDisposeScope();
        Tensor expected = reference.detach().to(ScalarType.Float64);
        double difference = (actual.detach().to(ScalarType.Float64) - expected).abs().max().item<double>();
        double scale = Math.Max(expected.abs().max().item<double>(), ScaleFloor);
        return double.IsFinite(difference) ? difference / scale : double.PositiveInfinity;
    }

    /// <summary>The worst of several comparisons (pairs of actual and reference).</summary>
    public static double WorstError(IEnumerable<(Tensor Actual, Tensor Reference)> pairs) =>
        pairs.Max(p => RelativeError(p.Actual, p.Reference));

    /// <summary>
    /// Judges a kernel's results against the float64 reference. The error allowed is <see cref="KernelSelfCheck.Tolerance"/>,
    /// or ten times the error of the reference formula itself evaluated in float32 where that is larger: some shapes
    /// are ill-conditioned (a layer norm over 1 or 2 values divides rounding noise by sqrt(eps)), and a kernel may
    /// be as inaccurate there as float32 arithmetic is. Real faults are off by orders of magnitude more.
    /// </summary>
    /// <param name="kernel">The kernel's float32 results, each with its float64 reference.</param>
    /// <param name="formula">The reference formula's float32 results, each with its float64 reference.</param>
    public static KernelError Judge(IEnumerable<(Tensor Actual, Tensor Reference)> kernel, IEnumerable<(Tensor Actual, Tensor Reference)> formula) =>
        new(WorstError(kernel), Math.Max(KernelSelfCheck.Tolerance, 10 * WorstError(formula)));

    /// <summary>
    /// Normal values of a shape in float64, from a generator of the check's own (the global one is left alone), rounded
    /// to float32 so that the float32 kernel and the float64 reference start from exactly the same numbers.
    /// </summary>
    public static Tensor Normal(Generator generator, double scale, params long[] shape) =>
        randn(shape, ScalarType.Float64, generator: generator).mul(TensorOps.Constant(scale)).to(ScalarType.Float32).to(ScalarType.Float64);
}
