namespace MLStability;

/// <summary>
/// Thrown before training or scoring when a LibTorch kernel computes wrong values on this processor and MLStability
/// has no verified route around it: going on would train or score silently wrong. The message holds the check's
/// output, which is what a report of the fault needs (docs/hardware-correctness.md).
/// </summary>
public sealed class KernelFaultException : InvalidOperationException
{
    internal KernelFaultException(string message) : base(message)
    {
    }
}
