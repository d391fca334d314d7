using System.Diagnostics;

namespace MLStability.Tests.Trainers;

[TestClass]
public sealed class NativeMemoryTests
{
    /// <summary>
    /// 100 fit-and-score cycles keep resident memory flat. Resident memory is sampled every 10 cycles; the median of
    /// cycles 80-100 may exceed the median of cycles 20-40 by at most 50 MB. Each model holds about 1 MB of weights
    /// and 2 MB of AdamW state during training, so leaking even the weights alone over those 50 cycles would exceed
    /// the bound (measured here: flat within about 20 MB of allocator noise). Half of the models are dropped without
    /// Dispose (their finalizer frees them). TorchSharp's Tensor.TotalCount is no help here: it does not count down
    /// for parameters freed with their module.
    /// </summary>
    [TestMethod]
    public void FitAndScoreCyclesKeepResidentMemoryFlat()
    {
        var ml = new MLContext(seed: 1);
        var data = TestData.Blobs(ml, rows: 300);
        var options = SmallOptions.Trainer(epochs: 2);
        options.HiddenSize = 512;
        var trace = new List<double>();
        for (int cycle = 1; cycle <= 100; cycle++)
        {
            var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(data);
            Assert.AreEqual(300, TestData.Scores(model.Transform(data)).Length);
            if (cycle % 2 == 0)
                model.Dispose();
            if (cycle % 10 == 0)
                trace.Add(ResidentMegabytes());
        }
        double early = Median(trace.Skip(1).Take(3)), late = Median(trace.Skip(7).Take(3));
        Assert.IsTrue(late - early < 50, $"resident memory grew from {early} MB to {late} MB; every 10 cycles: {string.Join(" ", trace)}");
    }

    private static double ResidentMegabytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 >> 20;
    }

    private static double Median(IEnumerable<double> values) => values.Order().ElementAt(1);
}
