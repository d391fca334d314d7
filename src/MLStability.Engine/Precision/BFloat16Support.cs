using System.Runtime.Intrinsics.X86;
using TorchSharp;

namespace MLStability;

/// <summary>Whether a device computes bfloat16 natively (and so gains from <see cref="PrecisionKind.BFloat16"/>).</summary>
public static class BFloat16Support
{
    private static readonly Lazy<string?> CpuInstructions = new(DetectCpuInstructions);

    /// <summary>
    /// The processor's bfloat16 instructions ("AVX512_BF16", "AMX-BF16" or both), from CPUID; null when it has none, in
    /// which case LibTorch emulates bfloat16 with float32 arithmetic and conversions.
    /// </summary>
    public static string? CpuBFloat16Instructions => CpuInstructions.Value;

    private static bool? assumedNative;

    /// <summary>True for CUDA devices and for CPUs with bfloat16 instructions (or what <see cref="AssumeNative"/> says).</summary>
    internal static bool IsNative(torch.Device device) =>
        assumedNative ?? (device.type == DeviceType.CUDA || CpuBFloat16Instructions != null);

    /// <summary>
    /// Until disposed, every device counts as having (or lacking) native bfloat16: what lets tests of
    /// <see cref="PrecisionKind.Auto"/> see both kinds of processor on whichever CPU runs them (the arithmetic is the same,
    /// LibTorch emulates bfloat16 with the same rounding).
    /// </summary>
    internal static IDisposable AssumeNative(bool native)
    {
        var previous = assumedNative;
        assumedNative = native;
        return new UndoOnDispose(() => assumedNative = previous);
    }

    private static string? DetectCpuInstructions()
    {
        if (!X86Base.IsSupported)
            return null;
        var found = new List<string>();
        var (maxLeaf, _, _, _) = X86Base.CpuId(0, 0);
        if (maxLeaf >= 7)
        {
            var (_, _, _, edx) = X86Base.CpuId(7, 0);
            var (eax1, _, _, _) = X86Base.CpuId(7, 1);
            if ((eax1 & (1 << 5)) != 0) // CPUID.(EAX=7,ECX=1):EAX[5]
                found.Add("AVX512_BF16");
            if ((edx & (1 << 22)) != 0) // CPUID.(EAX=7,ECX=0):EDX[22]
                found.Add("AMX-BF16");
        }
        return found.Count > 0 ? string.Join(", ", found) : null;
    }
}
