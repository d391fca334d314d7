using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Runs the learning-rate range test on a freshly initialized network: plain optimizer steps with the options'
/// optimizer, weight decay and clipping, the rate growing exponentially each step, no warmup, schedule or recovery;
/// the smoothed loss is recorded until it diverges. The batches are the fit's own (<see cref="IFitBatches"/>: in memory
/// or streamed), full ones only, epoch after epoch until the test's steps are done. The network is a throwaway: the
/// caller trains a new one.
/// </summary>
internal static class LearningRateFinder
{
    public static LearningRateRangeTest Run(DeepNetworkOptions options, LearningRateFinderOptions settings, DeepNetwork network,
        IFitBatches batches, int batchSize, TrainingObjective objective)
    {
        using var optimizer = ParameterOptimizer.Create(options, network.parameters());
        var clipper = GradientClipper.Create(options, network);
        long fullBatches = Math.Max(1, batches.TrainingRows / batchSize); // every step sees as many rows
        var points = new List<LearningRatePoint>(settings.Steps);
        double average = 0, lowest = double.PositiveInfinity;
        network.train();
        for (int epoch = 1; points.Count < settings.Steps; epoch++)
        {
            foreach (var batch in batches.Epoch(epoch, Math.Min(fullBatches, settings.Steps - points.Count)))
            {
                using var scope = torch.NewDisposeScope();
                int i = points.Count;
                double rate = settings.RateAt(i);
                optimizer.ZeroGrad();
                var (input, targets) = batch.Materialize();
                Tensor loss = objective.Loss(network.forward(input), targets);
                double value = loss.item<float>();
                if (!double.IsFinite(value))
                {
                    points.Add(new LearningRatePoint(rate, value, double.NaN));
                    return new LearningRateRangeTest(points, diverged: true, settings);
                }
                // fastai's bias-corrected moving average: the early points are not dragged towards zero.
                average = settings.Smoothing * average + (1 - settings.Smoothing) * value;
                double smoothed = average / (1 - Math.Pow(settings.Smoothing, i + 1));
                points.Add(new LearningRatePoint(rate, value, smoothed));
                lowest = Math.Min(lowest, smoothed);
                if (i > 0 && smoothed > settings.DivergenceFactor * lowest)
                    return new LearningRateRangeTest(points, diverged: true, settings);
                loss.backward();
                clipper?.Clip(optimizer.Parameters);
                optimizer.Step(rate);
            }
        }
        return new LearningRateRangeTest(points, diverged: false, settings);
    }
}
