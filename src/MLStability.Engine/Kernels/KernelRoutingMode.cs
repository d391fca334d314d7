namespace MLStability;

/// <summary>
/// How the kernel self-check chooses implementations, set with the environment variable
/// <c>MLSTABILITY_KERNEL_ROUTES</c> (read at each fit).
/// </summary>
internal enum KernelRoutingMode
{
    /// <summary>"auto" (default): check LibTorch's kernels against references, audit training steps, and route around the wrong ones.</summary>
    Auto,
    /// <summary>"safe": use the first workaround of every family that has one that passes its check, without trying LibTorch's kernel.</summary>
    Safe,
    /// <summary>"library": no checks and no audit; LibTorch's kernels everywhere (the behaviour before the self-check existed).</summary>
    Library,
}
