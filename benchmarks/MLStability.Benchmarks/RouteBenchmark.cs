using System.Diagnostics;
using System.Globalization;
using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Benchmarks;

/// <summary>
/// The kernel routes' speed against LibTorch's own kernels on the same networks and batches (docs/performance.md):
/// a ResNet training step (forward, loss, backward) with every convolution on each route, and recurrent layers'
/// inference and training with each recurrent route. On a CPU without the faults every route computes the same values,
/// so this measures what a routed layer costs where the self-check routes it. Routes alternate step by step within a
/// round (the shared machine's speed drifts); the figure is the median over rounds of the per-round ratios.
/// </summary>
internal static class RouteBenchmark
{
    public static int Run(string[] args)
    {
        int rounds = 5, steps = 10, batch = 128;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
                default: Console.Error.WriteLine("Usage: routes [--rounds N] [--steps N] [--batch N]"); return 2;
            }
        }
        NativeAllocator.ConfigureForTraining();
        Console.WriteLine($"CPU: {KernelSelfCheck.Processor}; threads: {torch.get_num_threads()}; rounds: {rounds}, steps per route and round: {steps}, batch {batch}");
        Console.WriteLine();
        Console.WriteLine("| network | what is timed | route | ms per call (median) | ratio to Library (median of rounds) |");
        Console.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var channels in new[] { new[] { 4, 8 }, new[] { 8, 8 }, new[] { 16, 32, 64 } })
        {
            var options = new DeepNetworkOptions
            {
                Network = NetworkKind.ResNet, InputShape = new[] { 1, 28, 28 }, ResNetChannels = channels, Normalization = NormalizationKind.BatchNorm, Dropout = 0,
            };
            using var network = NetworkFactory.Create(784, 10, options);
            var units = network.modules().OfType<ConvUnit>().ToArray();
            Print($"ResNet [{string.Join(", ", channels)}], 28x28", "training step", Time(Enum.GetValues<ConvolutionRoute>().Select(route =>
                (route.ToString(), (Action<Tensor, Tensor>)((x, y) =>
                {
                    foreach (var unit in units)
                        unit.Route = route;
                    network.zero_grad();
                    nn.functional.cross_entropy(network.forward(x), y).backward();
                }))).ToArray(), batch, 784, rounds, steps));
        }
        foreach (int hidden in new[] { 12, 100, 128 })
        {
            var options = new DeepNetworkOptions { Network = NetworkKind.Recurrent, InputShape = new[] { 28, 28 }, RecurrentHiddenSize = hidden, Dropout = 0 };
            using var network = NetworkFactory.Create(784, 10, options);
            var layers = network.modules().OfType<RecurrentLayer>().ToArray();
            var routes = Enum.GetValues<RecurrentRoute>().Where(r => r != RecurrentRoute.WithoutOneDnn || OneDnnSwitch.IsAvailable).ToArray();
            Print($"LSTM 28->{hidden}, 28 steps", "scoring, batch 512", Time(routes.Select(route => (route.ToString(), (Action<Tensor, Tensor>)((x, _) =>
            {
                foreach (var layer in layers)
                    layer.InferenceRoute = route;
                using var noGrad = torch.no_grad();
                network.forward(x);
            }))).ToArray(), 512, 784, rounds, steps));
            Print($"LSTM 28->{hidden}, 28 steps", "training step", Time(routes.Where(r => r != RecurrentRoute.TrainingKernel).Select(route => (route.ToString(), (Action<Tensor, Tensor>)((x, y) =>
            {
                foreach (var layer in layers)
                    layer.TrainingRoute = route;
                network.zero_grad();
                nn.functional.cross_entropy(network.forward(x), y).backward();
            }))).ToArray(), batch, 784, rounds, steps));
        }
        return 0;
    }

    /// <summary>Per route: the median milliseconds per call and the median over rounds of its ratio to the first route.</summary>
    private static (string Route, double Milliseconds, double Ratio)[] Time((string Route, Action<Tensor, Tensor> Call)[] routes, int batch, int features,
        int rounds, int steps)
    {
        using var scope = torch.NewDisposeScope();
        torch.manual_seed(1);
        var x = torch.rand(batch, features);
        var y = torch.randint(0, 10, batch);
        var times = routes.Select(_ => new List<double>()).ToArray();
        var ratios = routes.Select(_ => new List<double>()).ToArray();
        foreach (var (_, call) in routes)
            Step(call, x, y); // warm-up: first calls create oneDNN primitives and buffers
        for (int round = 0; round < rounds; round++)
        {
            var roundTimes = routes.Select(_ => new List<double>()).ToArray();
            for (int step = 0; step < steps; step++)
            {
                for (int r = 0; r < routes.Length; r++)
                    roundTimes[r].Add(Step(routes[r].Call, x, y));
            }
            for (int r = 0; r < routes.Length; r++)
            {
                times[r].AddRange(roundTimes[r]);
                ratios[r].Add(Statistics.Median(roundTimes[r]) / Statistics.Median(roundTimes[0]));
            }
        }
        return routes.Select((route, r) => (route.Route, Statistics.Median(times[r]), Statistics.Median(ratios[r]))).ToArray();
    }

    private static double Step(Action<Tensor, Tensor> call, Tensor x, Tensor y)
    {
        using var scope = torch.NewDisposeScope();
        var clock = Stopwatch.StartNew();
        call(x, y);
        return clock.Elapsed.TotalMilliseconds;
    }

    private static void Print(string network, string what, (string Route, double Milliseconds, double Ratio)[] results)
    {
        foreach (var (route, milliseconds, ratio) in results)
            Console.WriteLine($"| {network} | {what} | {route} | {milliseconds:F2} | {ratio:F3} |");
    }
}
