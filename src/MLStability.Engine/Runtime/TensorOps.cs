using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Tensor arithmetic without TorchSharp's temporary Scalars. TorchSharp 0.107's <c>a + b</c> is
/// <c>a.add(b, (Scalar)1)</c>, and a number compared with a tensor (<c>t.gt(0.5)</c>) also becomes a Scalar that no
/// one keeps alive: the garbage collector may finalize it while LibTorch still reads it, which fails natively
/// ("Expected false to be true ... toFloat") — seen when ML.NET scored a StableDeep network on several threads while
/// allocating heavily. These Scalars live for the whole process, so they are always valid, and reading one from
/// several threads at once is safe.
/// </summary>
internal static class TensorOps
{
    private static readonly ConcurrentDictionary<double, Scalar> Constants = new();
    /// <summary>
    /// 1, for the alpha argument of <c>add</c>/<c>add_</c>: their overloads without alpha pass a temporary
    /// <c>(Scalar)1</c> (found under GC stress: Adam's <c>add_(epsilon)</c> failed in "toFloat"). Always pass it.
    /// </summary>
    public static readonly Scalar One = Constant(1);

    /// <summary>A Scalar for <paramref name="value"/> that is never freed (one per distinct value).</summary>
    public static Scalar Constant(double value) => Constants.GetOrAdd(value, v => v.ToScalar());

    /// <summary>x², as x * x: TorchSharp's <c>square()</c> is <c>pow(2)</c> with a temporary Scalar (found under GC stress).</summary>
    public static Tensor Squared(Tensor x) => x * x;

    /// <summary>a + b (subtraction and multiplication of two tensors take no Scalar and need no helper).</summary>
    public static Tensor Plus(this Tensor a, Tensor b) => a.add(b, One);
}
