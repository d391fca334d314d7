namespace MLStability.Tests;

/// <summary>Option sets small enough for tests that train in well under a second.</summary>
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
}
