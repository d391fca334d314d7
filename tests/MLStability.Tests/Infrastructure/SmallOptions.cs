namespace MLStability.Tests;

/// <summary>Option sets small enough for tests that train in well under a second, and the defaults as users get them.</summary>
internal static class SmallOptions
{
    public static StableDeepOptions Trainer(int epochs = 3) => new()
    {
        HiddenLayers = 2,
        HiddenSize = 32,
        Epochs = epochs,
        BatchSize = 32,
        WarmupSteps = 5,
        Seed = 11,
        Device = "cpu",
    };

    /// <summary>The defaults a user gets (nothing set) on the CPU with seed 1, then <paramref name="change"/>.</summary>
    public static StableDeepOptions Defaults(Action<StableDeepOptions>? change = null)
    {
        var options = new StableDeepOptions { Seed = 1, Device = "cpu" };
        change?.Invoke(options);
        return options;
    }
}
