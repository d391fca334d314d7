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

    /// <summary>
    /// Seeds CUDA's generator (dropout on the GPU) for <paramref name="epoch"/> from the fit's seed; nothing on the CPU.
    /// TorchSharp cannot read or restore that generator's state, so checkpoints cannot carry it the way they carry the
    /// CPU generator's; seeding every epoch from (seed, epoch) makes a run resumed after epoch k draw what the
    /// uninterrupted run drew from epoch k + 1 on.
    /// </summary>
    public static void SeedDeviceForEpoch(int seed, int epoch, torch.Device device)
    {
        if (device.type == DeviceType.CUDA)
            torch.cuda.manual_seed_all(((long)seed << 20) ^ epoch);
    }

    /// <summary>
    /// Full float32 on CUDA: LibTorch lets cuDNN's convolutions and recurrent cells round their inputs to TF32 (10-bit
    /// mantissa) by default on Ampere and later GPUs. Measured on an H200: ResNet, LSTM, GRU and plain RNN scores then
    /// differed from ONNX Runtime's and from the same model's after a save and load by up to 1e-4, where float32 gives
    /// 1e-5; the MLPs (cuBLAS, TF32 off by default) agreed. Switched off process-wide when a fit or a model resolves to CUDA.
    /// </summary>
    public static void UseFullFloat32(torch.Device device)
    {
        if (device.type == DeviceType.CUDA && torch.backends.cudnn.allow_tf32)
            torch.backends.cudnn.allow_tf32 = false;
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
