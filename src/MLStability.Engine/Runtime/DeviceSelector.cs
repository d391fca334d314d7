using System.Globalization;
using TorchSharp;

namespace MLStability;

/// <summary>Turns the <see cref="DeepNetworkOptions.Device"/> string into a TorchSharp device.</summary>
internal static class DeviceSelector
{
    /// <summary>Rejects strings that are not "auto", "cpu", "cuda" or "cuda:N", without touching native code.</summary>
    public static void ValidateSyntax(string owner, string? device)
    {
        if (!TryParse(device, out _, out _))
            throw new ArgumentException(
                $"{owner}.Device must be \"auto\", \"cpu\", \"cuda\" or \"cuda:N\" (N = 0, 1, ...); got \"{device}\".",
                "Device");
    }

    /// <summary>Resolves the device against what TorchSharp reports.</summary>
    public static torch.Device Resolve(string device)
    {
        TorchRuntime.EnsureLoaded();
        var resolved = Resolve(device, torch.cuda.is_available, torch.cuda.device_count);
        TorchRuntime.UseFullFloat32(resolved);
        return resolved;
    }

    /// <summary>Resolves the device against the given CUDA probes (a seam for tests).</summary>
    public static torch.Device Resolve(string device, Func<bool> cudaAvailable, Func<int> cudaDeviceCount)
    {
        if (!TryParse(device, out string kind, out int index))
            ValidateSyntax(nameof(DeepNetworkOptions), device);
        switch (kind)
        {
            case "cpu":
                return torch.CPU;
            case "auto":
                return cudaAvailable() ? new torch.Device(DeviceType.CUDA, 0) : torch.CPU;
            default:
                if (!cudaAvailable())
                    throw new InvalidOperationException(
                        $"Device \"{device}\" was requested, but TorchSharp reports no CUDA device. Reference " +
                        "TorchSharp-cuda-linux or TorchSharp-cuda-windows instead of a CPU backend, check the NVIDIA " +
                        "driver, or set Device = \"auto\" or \"cpu\".");
                int count = cudaDeviceCount();
                if (index >= count)
                    throw new InvalidOperationException(
                        $"Device \"{device}\" was requested, but TorchSharp reports {count} CUDA device(s) " +
                        $"(valid: cuda:0 to cuda:{count - 1}).");
                return new torch.Device(DeviceType.CUDA, index);
        }
    }

    private static bool TryParse(string? device, out string kind, out int index)
    {
        kind = (device ?? "").Trim().ToLowerInvariant();
        index = 0;
        if (kind is "auto" or "cpu" or "cuda")
            return true;
        if (kind.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(kind.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out index))
        {
            kind = "cuda";
            return true;
        }
        return false;
    }
}
