using TorchSharp;

namespace MLStability;

/// <summary>Process-wide TorchSharp concerns: loading the native library and serializing seeded training.</summary>
internal static class TorchRuntime
{
    private static readonly Lazy<Exception?> LoadFailure = new(TryLoad);

    /// <summary>
    /// Seeded training sets TorchSharp's global random generator (used by initialization and dropout), so fits
    /// run one at a time in a process; that is what makes two fits with the same seed bit-identical.
    /// </summary>
    public static readonly object TrainingLock = new();

    /// <summary>Loads TorchSharp's native library once, turning a load failure into an actionable error.</summary>
    public static void EnsureLoaded()
    {
        if (LoadFailure.Value is Exception failure)
            throw new InvalidOperationException(
                "TorchSharp's native library could not be loaded: " + failure.Message + " The application must " +
                "reference a TorchSharp backend package (TorchSharp-cpu, or TorchSharp-cuda-linux / " +
                "TorchSharp-cuda-windows). On Linux systems whose libstdc++ lacks GLIBCXX_3.4.32 (Debian 12, " +
                "Ubuntu 22.04), build with MLStability's build targets, which patch the copy in the output folder.",
                failure);
    }

    /// <summary>Seeds every generator TorchSharp uses for training on <paramref name="device"/>.</summary>
    public static void Seed(int seed, torch.Device device)
    {
        torch.random.manual_seed(seed);
        if (device.type == DeviceType.CUDA)
            torch.cuda.manual_seed_all(seed);
    }

    private static Exception? TryLoad()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return null;
        }
        catch (Exception e) when (e is NotSupportedException or DllNotFoundException or TypeInitializationException)
        {
            return e;
        }
    }
}
