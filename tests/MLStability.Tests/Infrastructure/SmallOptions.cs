namespace MLStability.Tests;

/// <summary>Option sets small enough for tests that train in well under a second, and the defaults as users get them.</summary>
internal static class SmallOptions
{
    /// <summary>
    /// Where the training tests run: the CPU, or the device named by MLSTABILITY_TEST_DEVICE ("cuda") to run them on a
    /// GPU with a CUDA backend of TorchSharp. Their bars were set on CPUs; CUDA's kernels round differently.
    /// </summary>
    public static string Device { get; } = Environment.GetEnvironmentVariable("MLSTABILITY_TEST_DEVICE") is { Length: > 0 } device ? device : "cpu";

    public static StableDeepOptions Trainer(int epochs = 3) => new()
    {
        HiddenLayers = 2,
        HiddenSize = 32,
        Epochs = epochs,
        BatchSize = 32,
        WarmupSteps = 5,
        Seed = 11,
        Device = SmallOptions.Device,
    };

    /// <summary>The defaults a user gets (nothing set) on the CPU with seed 1, then <paramref name="change"/>.</summary>
    public static StableDeepOptions Defaults(Action<StableDeepOptions>? change = null)
    {
        var options = new StableDeepOptions { Seed = 1, Device = SmallOptions.Device };
        change?.Invoke(options);
        return options;
    }
}
