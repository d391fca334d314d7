using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Runs the learning-rate range test on a freshly initialized network: plain optimizer steps with the options'
/// optimizer, weight decay and clipping, the rate growing exponentially each step, no warmup, schedule or recovery;
/// the smoothed loss is recorded until it diverges. The network is a throwaway: the caller trains a new one.
/// </summary>
internal static class LearningRateFinder
{
    public static LearningRateRangeTest Run(DeepNetworkOptions options, LearningRateFinderOptions settings, DeepNetwork network,
        torch.Device device, DeviceTensors train, TrainingObjective objective, int seed)
    {
        using var optimizer = ParameterOptimizer.Create(options, network.parameters());
        var clipper = GradientClipper.Create(options, network);
        using var shuffler = new torch.Generator((ulong)seed);
        int batchSize = (int)Math.Min(options.BatchSize, train.Rows);
        long batchesPerPass = train.Rows / batchSize; // full batches only: every step sees as many rows
        var points = new List<LearningRatePoint>(settings.Steps);
        double average = 0, lowest = double.PositiveInfinity;
        bool diverged = false;
        Tensor? order = null;
        network.train();
        try
        {
            for (int i = 0; i < settings.Steps; i++)
            {
                long batch = i % batchesPerPass;
                if (batch == 0)
                {
                    order?.Dispose();
                    using var shuffleScope = torch.NewDisposeScope();
                    order = torch.randperm(train.Rows, generator: shuffler).to(device).MoveToOuterDisposeScope();
                }
                using var scope = torch.NewDisposeScope();
                double rate = settings.RateAt(i);
                Tensor rows = order!.narrow(0, batch * batchSize, batchSize);
                optimizer.ZeroGrad();
                Tensor loss = objective.Loss(network.forward(train.Features.index_select(0, rows)), train.Targets.index_select(0, rows));
                double value = loss.item<float>();
                if (!double.IsFinite(value))
                {
                    points.Add(new LearningRatePoint(rate, value, double.NaN));
                    diverged = true;
                    break;
                }
                // fastai's bias-corrected moving average: the early points are not dragged towards zero.
                average = settings.Smoothing * average + (1 - settings.Smoothing) * value;
                double smoothed = average / (1 - Math.Pow(settings.Smoothing, i + 1));
                points.Add(new LearningRatePoint(rate, value, smoothed));
                lowest = Math.Min(lowest, smoothed);
                if (i > 0 && smoothed > settings.DivergenceFactor * lowest)
                {
                    diverged = true;
                    break;
                }
                loss.backward();
                clipper?.Clip(optimizer.Parameters);
                optimizer.Step(rate);
            }
        }
        finally
        {
            order?.Dispose();
        }
        return new LearningRateRangeTest(points, diverged, settings);
    }
}
