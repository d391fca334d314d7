namespace MLStability.Tests.Engine;

/// <summary>
/// Inference from several threads while the garbage collector runs continuously: TorchSharp 0.107's <c>a + b</c>
/// passes a temporary Scalar that the collector may finalize mid-call, which fails natively; the networks use
/// <see cref="TensorOps"/> instead.
/// </summary>
[TestClass]
public sealed class ConcurrentInferenceTests
{
    [TestMethod]
    public void ScoringOnSeveralThreadsSurvivesConstantGarbageCollection()
    {
        var random = new Random(1);
        var features = Enumerable.Range(0, 64 * 8).Select(_ => (float)random.NextDouble()).ToArray();
        var labels = Enumerable.Range(0, 64).Select(i => i % 3).ToArray();
        var options = new DeepNetworkOptions { HiddenLayers = 4, HiddenSize = 16, Epochs = 1, Device = SmallOptions.Device };
        using var model = new NetworkTrainer(options, 1).Train(new ClassificationData(features, labels, 8, 3));

        // Each scorer makes at least MinimumCalls calls and goes on for 3 s: on a loaded 2-core machine a thread may get
        // no call in within a fixed time, which says nothing about the fault this test is about.
        const int MinimumCalls = 20;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        using var scored = new CancellationTokenSource();
        var scorers = Enumerable.Range(0, 3).Select(_ => Task.Run(() =>
        {
            var outputs = new float[16];
            long calls = 0;
            while (calls < MinimumCalls || !stop.IsCancellationRequested)
            {
                model.Embed(features.AsSpan(0, 8), 1, outputs);
                model.PredictProbabilities(features.AsSpan(0, 8), 1, outputs);
                calls++;
            }
            return calls;
        })).ToArray();
        var collector = Task.Run(() =>
        {
            while (!scored.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        Task.WaitAll(scorers);
        scored.Cancel();
        collector.Wait();
        Assert.IsTrue(scorers.All(s => s.Result >= MinimumCalls), "every scorer finished its calls under the collector");
    }
}
