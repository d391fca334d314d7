using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using MLStability.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Checks, once per process and shape class, that LibTorch's float32 CPU kernels for the operations a network uses
/// compute what their float64 reference formulas compute, and routes each routed layer (convolutions, recurrent
/// cells) to the fastest implementation that does. Faults seen: oneDNN's AVX-512 LSTM inference kernel and the input
/// gradient of small-output convolutions, which on the Zen 5 was wrong in every call with one thread and only in some
/// with two (docs/hardware-correctness.md). So convolutions and recurrent layers are checked at the image sizes, steps
/// and batch training uses, once with one intra-op thread and then with the training threads; the training-step
/// audit (<see cref="ConvolutionAudit"/>) looks for what a check cannot see. Verdicts are cached, so only the first fit
/// of a shape class pays. The check draws its data from a generator of its own and leaves TorchSharp's global
/// generator as it found it, so seeded training stays bit-identical whether or not the check ran.
/// </summary>
public static class KernelSelfCheck
{
    /// <summary>The environment variable that sets the mode: "auto" (default), "safe" or "library".</summary>
    public const string ModeVariable = "MLSTABILITY_KERNEL_ROUTES";

    /// <summary>The route name of LibTorch's own kernels.</summary>
    public const string LibraryRoute = "Library";

    /// <summary>
    /// The largest relative error (against the float64 reference) that a float32 kernel may have, unless the formula
    /// itself loses more in float32 (ill-conditioned shapes; see <see cref="KernelComparison.Judge"/>).
    /// </summary>
    public const double Tolerance = 1e-3;

    internal const ulong CheckSeed = 20261130;
    private static readonly ConcurrentDictionary<string, KernelRoute> Verdicts = new();
    private static readonly object CheckLock = new();
    private static KernelRoutingMode? modeOverride;

    /// <summary>
    /// The CPU as the self-check saw it (model name and the vector instruction sets that decide oneDNN's kernels),
    /// for logs and fault reports.
    /// </summary>
    public static string Processor => CpuDescription.Value;

    /// <summary>The mode in force: a test's override, else <see cref="ModeVariable"/>.</summary>
    internal static KernelRoutingMode Mode => modeOverride ?? ParseMode(Environment.GetEnvironmentVariable(ModeVariable));

    /// <summary>Forces a mode until the returned object is disposed (tests force the workarounds on with it).</summary>
    internal static IDisposable OverrideMode(KernelRoutingMode mode)
    {
        var previous = modeOverride;
        modeOverride = mode;
        return new Restore(() => modeOverride = previous);
    }

    /// <summary>Forgets the cached verdicts, so that the next fit checks again (tests).</summary>
    internal static void ForgetVerdicts() => Verdicts.Clear();

    /// <summary>
    /// Checks every kernel family and shape class that <paramref name="network"/> uses on <paramref name="device"/>,
    /// at the image sizes or sequence lengths it runs and at the training batch <paramref name="batchSize"/>, routes
    /// its convolutions and recurrent layers, and returns the verdicts (also logged). Only CPUs are checked.
    /// Throws <see cref="KernelFaultException"/> when a kernel is wrong and no route is right.
    /// </summary>
    internal static IReadOnlyList<KernelRoute> Prepare(DeepNetwork network, DeepNetworkOptions options, torch.Device device, long batchSize, Action<string>? log)
    {
        var mode = Mode;
        if (device.type != DeviceType.CPU || mode == KernelRoutingMode.Library)
            return Array.Empty<KernelRoute>();
        var clock = Stopwatch.StartNew();
        var routes = new List<KernelRoute>();
        long steps = network switch { RecurrentNetwork recurrent => recurrent.Steps, TransformerNetwork transformer => transformer.Tokens, _ => 1 };
        lock (CheckLock)
        {
            // Building check modules draws from the global generator: put it back as it was.
            using var state = random.get_rng_state();
            try
            {
                foreach (var module in network.modules())
                    Route(module, mode, Math.Max(1, batchSize), steps, routes);
                if (network is not RecurrentNetwork)
                    routes.Add(Decide("Activation", $"{options.Activation}", mode, (LibraryRoute, g => ElementaryKernels.Activation(options.Activation, options.LeakyReLUSlope, g))));
            }
            finally
            {
                random.set_rng_state(state);
            }
        }
        var distinct = routes.Distinct().ToArray();
        log?.Invoke(Summary(distinct, clock.Elapsed));
        return distinct;
    }

    /// <summary>
    /// The intra-op thread counts a kernel check runs at: one thread first (the faults seen were deterministic there),
    /// then the count training uses, <paramref name="repeats"/> times (they were random there).
    /// </summary>
    internal static IEnumerable<int> CheckThreadCounts(int repeats)
    {
        int training = IntraOpThreads.Current;
        yield return 1;
        for (int i = 0; training > 1 && i < repeats; i++)
            yield return training;
    }

    /// <summary>The candidates for a convolution shape class, LibTorch's kernel first, then the workarounds by speed.</summary>
    internal static (string Route, Func<Generator, KernelError> Error)[] ConvolutionCandidates(ConvolutionShape shape) =>
        Enum.GetValues<ConvolutionRoute>()
            .Select(route => (route.ToString(), (Func<Generator, KernelError>)(g => ConvolutionKernels.Check(shape, ConvolutionKernels.For(route), g))))
            .ToArray();

    private static void Route(nn.Module module, KernelRoutingMode mode, long batch, long steps, List<KernelRoute> routes)
    {
        switch (module)
        {
            case ConvUnit unit:
                var convolution = unit.Shape with { Batch = batch };
                var verdict = Decide(ConvolutionFamily, convolution.ToString(), mode, ConvolutionCandidates(convolution));
                unit.Route = Enum.Parse<ConvolutionRoute>(verdict.Route);
                routes.Add(verdict);
                break;
            case RecurrentLayer layer:
                var shape = layer.Shape with { Steps = steps, Batch = batch };
                var inference = Decide("Recurrent inference", shape.ToString(), mode, RecurrentCandidates(shape, RecurrentKernels.CheckInference, inference: true));
                var training = Decide("Recurrent training", shape.ToString(), mode, RecurrentCandidates(shape, RecurrentKernels.CheckTraining, inference: false));
                layer.InferenceRoute = Enum.Parse<RecurrentRoute>(inference.Route);
                layer.TrainingRoute = Enum.Parse<RecurrentRoute>(training.Route);
                routes.Add(inference);
                routes.Add(training);
                break;
            case SelfAttention attention:
                var (heads, headWidth) = attention.Shape;
                routes.Add(Decide("Attention", $"{heads} heads x {headWidth}, {steps} tokens", mode,
                    (LibraryRoute, g => ElementaryKernels.Attention(heads, steps, headWidth, g))));
                break;
            case Linear linear:
                long outputs = linear.weight!.shape[0], inputs = linear.weight.shape[1];
                routes.Add(Decide("Linear", $"{inputs}->{outputs}", mode, (LibraryRoute, g => ElementaryKernels.Linear(inputs, outputs, g))));
                break;
            case LayerNorm norm:
                long width = norm.weight!.shape[0];
                routes.Add(Decide("LayerNorm", $"{width}", mode, (LibraryRoute, g => ElementaryKernels.LayerNorm(width, g))));
                break;
            case BatchNorm batchNorm:
                long channels = batchNorm.weight!.shape[0];
                bool spatial = batchNorm is BatchNorm2d;
                routes.Add(Decide("BatchNorm", $"{channels}{(spatial ? ", images" : "")}", mode, (LibraryRoute, g => ElementaryKernels.BatchNorm(channels, spatial, g))));
                break;
            case RmsNormalization rms:
                long rmsChannels = rms.Weight.shape[0];
                bool rmsSpatial = rms.Spatial;
                routes.Add(Decide("RmsNorm", $"{rmsChannels}{(rmsSpatial ? ", images" : "")}", mode, (LibraryRoute, g => ElementaryKernels.RmsNorm(rmsChannels, rmsSpatial, g))));
                break;
            case GroupNormalization group:
                long groups = group.Groups, groupChannels = group.Weight.shape[0];
                routes.Add(Decide("GroupNorm", $"{groups} groups, {groupChannels}", mode, (LibraryRoute, g => ElementaryKernels.GroupNorm(groups, groupChannels, g))));
                break;
        }
    }

    /// <summary>
    /// After a training step's audit found <paramref name="unit"/>'s convolution wrong (<paramref name="error"/>, relative),
    /// moves it to the next route that passes the check at its shape and makes that the process's verdict for the shape
    /// class, so that later fits start on it. Throws <see cref="KernelFaultException"/> when no later route is right.
    /// </summary>
    internal static KernelRoute RouteAfterAudit(ConvUnit unit, long batch, double error, long step)
    {
        var shape = unit.Shape with { Batch = batch };
        var candidates = ConvolutionCandidates(shape).SkipWhile(c => c.Route != unit.Route.ToString()).Skip(1).ToArray();
        KernelRoute verdict;
        lock (CheckLock)
        {
            using var state = random.get_rng_state();
            try
            {
                verdict = candidates.Length == 0
                    ? throw Fault(ConvolutionFamily, shape.ToString(), new[] { $"{unit.Route} off by {Format(error)} at training step {step}" })
                    : Choose(ConvolutionFamily, shape.ToString(), KernelRoutingMode.Auto, candidates);
            }
            finally
            {
                random.set_rng_state(state);
            }
        }
        verdict = verdict with { LibraryError = unit.Route == ConvolutionRoute.Library ? error : double.NaN, DetectedAtStep = step };
        Verdicts[$"{Mode}|{ConvolutionFamily}|{shape}"] = verdict;
        unit.Route = Enum.Parse<ConvolutionRoute>(verdict.Route);
        return verdict;
    }

    private const string ConvolutionFamily = "Convolution";

    /// <summary>The candidates for a recurrent shape class, LibTorch's kernel first, then the workarounds by speed.</summary>
    private static (string Route, Func<Generator, KernelError> Error)[] RecurrentCandidates(RecurrentShape shape,
        Func<RecurrentShape, Func<nn.Module, Tensor, Tensor>, Generator, KernelError> check, bool inference)
    {
        var candidates = new List<(string, Func<Generator, KernelError>)> { (LibraryRoute, g => check(shape, RecurrentKernels.Library, g)) };
        if (inference)
            candidates.Add((nameof(RecurrentRoute.TrainingKernel), g => check(shape, RecurrentKernels.TrainingKernel, g)));
        if (OneDnnSwitch.IsAvailable)
            candidates.Add((nameof(RecurrentRoute.WithoutOneDnn), g => check(shape, RecurrentKernels.WithoutOneDnn, g)));
        candidates.Add((nameof(RecurrentRoute.Composed), g => check(shape, Composed(shape), g)));
        return candidates.ToArray();
    }

    private static Func<nn.Module, Tensor, Tensor> Composed(RecurrentShape shape) =>
        (module, input) => RecurrentKernels.Composed(shape.Cell, input, RecurrentKernels.Weights(module, shape.Directions));

    /// <summary>
    /// The verdict for a family and shape class: the first candidate (LibTorch's kernel first, then the workarounds)
    /// whose error is within <see cref="Tolerance"/>; in Safe mode the last candidate. Cached per process.
    /// </summary>
    internal static KernelRoute Decide(string family, string shape, KernelRoutingMode mode,
        params (string Route, Func<Generator, KernelError> Error)[] candidates)
    {
        string key = $"{mode}|{family}|{shape}";
        if (Verdicts.TryGetValue(key, out var cached))
            return cached;
        var verdict = Choose(family, shape, mode, candidates);
        Verdicts[key] = verdict;
        return verdict;
    }

    /// <summary>
    /// <see cref="Decide"/> without the cache: the first candidate that passes its check; in Safe mode the first
    /// workaround that passes, without trying LibTorch's kernel. Tests feed it deliberately wrong kernels.
    /// </summary>
    internal static KernelRoute Choose(string family, string shape, KernelRoutingMode mode,
        params (string Route, Func<Generator, KernelError> Error)[] candidates)
    {
        double libraryError = double.NaN;
        var errors = new List<string>();
        bool skipLibrary = mode == KernelRoutingMode.Safe && candidates.Any(c => c.Route != LibraryRoute);
        foreach (var (route, check) in candidates)
        {
            if (skipLibrary && route == LibraryRoute)
                continue;
            KernelError error;
            using (var generator = new Generator(CheckSeed))
                error = check(generator);
            if (route == LibraryRoute)
                libraryError = error.Error;
            if (error.Passes)
                return new KernelRoute(family, shape, route, libraryError, error.Error, error.Allowed);
            errors.Add($"{route} off by {Format(error.Error)}, allowed {Format(error.Allowed)}");
        }
        throw Fault(family, shape, errors);
    }

    private static KernelFaultException Fault(string family, string shape, IEnumerable<string> errors) => new(
        $"Kernel self-check: on this processor ({Processor}) {family} [{shape}] computes wrong values in float32 " +
        $"({string.Join(", ", errors)}; relative to a float64 reference), and no route " +
        "around it is right. Training or scoring would be silently wrong, so MLStability stops here. Please report " +
        "this message with the LibTorch version (docs/hardware-correctness.md). Setting " +
        $"{ModeVariable}=library skips the check at your own risk.");

    /// <summary>One log line: what was checked, how long it took, and every route taken.</summary>
    internal static string Summary(IReadOnlyCollection<KernelRoute> routes, TimeSpan elapsed)
    {
        var routed = routes.Where(r => r.IsRouted).ToArray();
        string verdict = routed.Length == 0
            ? "LibTorch's kernels match their references"
            : $"routed {routed.Length}: " + string.Join("; ", routed.Select(r => r.ToString()));
        return $"Kernel self-check on {Processor}: {routes.Count} kernel(s) checked in {elapsed.TotalMilliseconds:F0} ms " +
               $"(cached per process); {verdict}.";
    }

    internal static string Format(double value) => value.ToString("G3", CultureInfo.InvariantCulture);

    private static KernelRoutingMode ParseMode(string? value) => (value ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "auto" => KernelRoutingMode.Auto,
        "safe" => KernelRoutingMode.Safe,
        "library" => KernelRoutingMode.Library,
        _ => throw new InvalidOperationException($"{ModeVariable} must be \"auto\", \"safe\" or \"library\"; got \"{value}\"."),
    };

    private static readonly Lazy<string> CpuDescription = new(DescribeProcessor);

    private static string DescribeProcessor()
    {
        string model = "unknown CPU";
        var flags = new HashSet<string>();
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal) && model == "unknown CPU")
                    model = line[(line.IndexOf(':') + 1)..].Trim();
                else if (line.StartsWith("flags", StringComparison.Ordinal) && flags.Count == 0)
                    flags.UnionWith(line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        string[] isa = { "avx2", "avx512f", "avx512_bf16", "avx512_vp2intersect", "amx_bf16" };
        var present = isa.Where(flags.Contains).ToArray();
        return flags.Count == 0 ? $"{model}, {System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}"
            : $"{model}, {(present.Length == 0 ? "no AVX2" : string.Join(" ", present))}";
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }
}
