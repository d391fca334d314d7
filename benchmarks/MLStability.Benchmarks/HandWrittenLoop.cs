using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Benchmarks;

/// <summary>
/// The baseline: the training loop a TorchSharp user writes by hand (whole data set in one tensor, a randperm per
/// epoch, index_select per batch, one dispose scope per step, TorchSharp's own Adam) around a hand-written network
/// (an MLP here, a ResNet or LSTM in <see cref="HandWrittenNetworks"/>). Trains one epoch per call, so
/// the benchmark can interleave its epochs with the trainer's.
/// </summary>
internal sealed class HandWrittenLoop : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> model;
    private readonly Tensor x, y;
    private readonly optim.Optimizer optimizer;
    private readonly torch.Generator generator;
    private readonly int rows, batchSize;

    /// <param name="buildModel">Builds the hand-written network (called after seeding).</param>
    public HandWrittenLoop(Func<nn.Module<Tensor, Tensor>> buildModel, float[] features, long[] labels, int featureCount,
        int batchSize, double learningRate, int seed)
    {
        torch.random.manual_seed(seed);
        rows = labels.Length;
        this.batchSize = batchSize;
        model = buildModel();
        x = torch.tensor(features, new long[] { rows, featureCount });
        y = torch.tensor(labels);
        optimizer = optim.Adam(model.parameters(), learningRate);
        generator = new torch.Generator((ulong)seed);
    }

    /// <summary>The MLP a user writes: Linear-ReLU pairs, then a linear head.</summary>
    public static nn.Module<Tensor, Tensor> Mlp(int featureCount, int[] hiddenSizes, int classes)
    {
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>();
        long width = featureCount;
        foreach (int size in hiddenSizes)
        {
            layers.Add(($"linear{layers.Count}", nn.Linear(width, size)));
            layers.Add(($"relu{layers.Count}", nn.ReLU()));
            width = size;
        }
        layers.Add(("head", nn.Linear(width, classes)));
        return nn.Sequential(layers);
    }

    /// <summary>Trains one epoch and returns its seconds.</summary>
    public double TrainEpoch()
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
        return clock.Elapsed.TotalSeconds;
    }

    public void Dispose()
    {
        model.Dispose();
        x.Dispose();
        y.Dispose();
        optimizer.Dispose();
        generator.Dispose();
    }
}
