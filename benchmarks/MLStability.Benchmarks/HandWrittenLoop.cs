using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Benchmarks;

/// <summary>
/// The baseline: the training loop a TorchSharp user writes by hand (whole data set in one tensor, a randperm per
/// epoch, index_select per batch, one dispose scope per step, TorchSharp's own Adam).
/// </summary>
internal static class HandWrittenLoop
{
    public static List<double> Train(float[] features, long[] labels, int featureCount, int[] hiddenSizes, int classes,
        int epochs, int batchSize, double learningRate, int seed)
    {
        torch.random.manual_seed(seed);
        int rows = labels.Length;
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long width = featureCount;
        foreach (int size in hiddenSizes)
        {
            layers.Add(($"linear{layers.Count}", nn.Linear(width, size)));
            layers.Add(($"relu{layers.Count}", nn.ReLU()));
            width = size;
        }
        layers.Add(("head", nn.Linear(width, classes)));
        using var model = nn.Sequential(layers);
        using var x = torch.tensor(features, new long[] { rows, featureCount });
        using var y = torch.tensor(labels);
        using var optimizer = optim.Adam(model.parameters(), learningRate);
        using var generator = new torch.Generator((ulong)seed);
        var seconds = new List<double>();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            using var order = torch.randperm(rows, generator: generator);
            for (long start = 0; start < rows; start += batchSize)
            {
                using var scope = torch.NewDisposeScope();
                var index = order.narrow(0, start, Math.Min(batchSize, rows - start));
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.forward(x.index_select(0, index)), y.index_select(0, index));
                loss.backward();
                optimizer.step();
                loss.item<float>();
            }
            seconds.Add(clock.Elapsed.TotalSeconds);
        }
        return seconds;
    }
}
