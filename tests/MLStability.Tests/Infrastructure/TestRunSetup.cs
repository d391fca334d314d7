using MLStability.Tests.Kernels;

namespace MLStability.Tests.Infrastructure;

/// <summary>
/// With MLSTABILITY_TEST_SIMULATED_FAULTS=zen5 the whole test run trains and scores as on the AMD Zen 5 whose oneDNN
/// kernels were wrong (<see cref="SimulatedFaults.Zen5"/>), so that any test class can be run as on that processor:
/// CI runs the ONNX-equivalence, option and kernel classes this way (.ci/run). Unset, nothing is simulated.
/// </summary>
[TestClass]
public static class TestRunSetup
{
    private static IDisposable? simulation;

    /// <summary>Puts the simulated faults in place for the run, when asked for.</summary>
    [AssemblyInitialize]
    public static void Start(TestContext context)
    {
        _ = context;
        string? value = Environment.GetEnvironmentVariable(SimulatedFaults.Variable);
        simulation = value switch
        {
            null or "" => null,
            "zen5" => SimulatedFaults.Zen5(),
            _ => throw new InvalidOperationException($"{SimulatedFaults.Variable} must be \"zen5\" or unset; got \"{value}\"."),
        };
        if (simulation != null)
            Console.WriteLine($"Simulating the Zen 5 kernel faults ({SimulatedFaults.Variable}={value}).");
    }

    /// <summary>Puts LibTorch's kernels back.</summary>
    [AssemblyCleanup]
    public static void Stop() => simulation?.Dispose();

    /// <summary>True when the run simulates a faulty processor (tests that time or count LibTorch calls may say so).</summary>
    public static bool Simulating => simulation != null;
}
