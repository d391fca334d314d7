namespace MLStability.Tests.Engine;

[TestClass]
public sealed class LearningRateScheduleTests
{
    private const long StepsPerEpoch = 10, Total = 110, Warmup = 10;

    private static LearningRateSchedule Schedule(LearningRateScheduleKind kind, int warmup = (int)Warmup) => new(new DeepNetworkOptions
    {
        LearningRateSchedule = kind,
        LearningRate = 0.1f,
        WarmupSteps = warmup,
        LearningRateDecay = 0.5f,
        LearningRateDecaySteps = 20,
        MinimumLearningRate = 0.01f,
    }, StepsPerEpoch, Total);

    [TestMethod]
    public void WarmupRisesLinearlyToThePeak()
    {
        var schedule = Schedule(LearningRateScheduleKind.Constant);
        for (long s = 0; s < Warmup; s++)
            Assert.AreEqual(0.1 * (s + 1) / Warmup, schedule.At(s), 1e-8);
        Assert.AreEqual(0.1, schedule.At(Warmup), 1e-7);
        Assert.AreEqual(0.1, schedule.At(Total - 1), 1e-7);
    }

    [TestMethod]
    public void StepDecaysByGammaEveryDecaySteps()
    {
        var schedule = Schedule(LearningRateScheduleKind.Step);
        foreach (long t in new long[] { 0, 19, 20, 39, 40, 99 })
            Assert.AreEqual(0.1 * Math.Pow(0.5, Math.Floor(t / 20.0)), schedule.At(Warmup + t), 1e-7, $"t = {t}");
    }

    [TestMethod]
    public void ExponentialDecaysSmoothly()
    {
        var schedule = Schedule(LearningRateScheduleKind.Exponential);
        foreach (long t in new long[] { 0, 1, 10, 20, 55, 99 })
            Assert.AreEqual(0.1 * Math.Pow(0.5, t / 20.0), schedule.At(Warmup + t), 1e-7, $"t = {t}");
    }

    [TestMethod]
    public void LinearAndCosineEndAtTheMinimum()
    {
        var linear = Schedule(LearningRateScheduleKind.Linear);
        var cosine = Schedule(LearningRateScheduleKind.Cosine);
        const double span = Total - Warmup - 1;
        foreach (long t in new long[] { 0, 25, 50, 99 })
        {
            Assert.AreEqual(0.1 + (0.01 - 0.1) * t / span, linear.At(Warmup + t), 1e-7);
            Assert.AreEqual(0.01 + 0.09 * (1 + Math.Cos(Math.PI * t / span)) / 2, cosine.At(Warmup + t), 1e-7);
        }
        Assert.AreEqual(0.01, cosine.At(Total - 1), 1e-7);
        Assert.AreEqual(0.01, linear.At(Total - 1), 1e-7);
    }

    [TestMethod]
    public void DecayStepsDefaultToOneEpoch()
    {
        var schedule = new LearningRateSchedule(new DeepNetworkOptions
        {
            LearningRateSchedule = LearningRateScheduleKind.Step, LearningRate = 1, WarmupSteps = 0, LearningRateDecay = 0.1f,
        }, StepsPerEpoch, Total);
        Assert.AreEqual(1.0, schedule.At(StepsPerEpoch - 1), 1e-9);
        Assert.AreEqual(0.1, schedule.At(StepsPerEpoch), 1e-7);
    }

    [TestMethod]
    public void OneCycleRisesFromAQuarterOfTheStartToThePeakAndFallsFarBelowTheStart()
    {
        // PyTorch's OneCycleLR (pct_start 0.3, div_factor 25, final_div_factor 1e4, cosine annealing): the rise ends at
        // step 0.3 x 110 - 1 = 32; the momentum cycles 0.95 -> 0.85 -> 0.95 the other way.
        var schedule = Schedule(LearningRateScheduleKind.OneCycle);
        double rise = 0.3 * Total - 1;
        for (long s = 0; s < Total; s++)
        {
            double expected = s <= rise
                ? 0.1 + (0.004 - 0.1) * (1 + Math.Cos(Math.PI * s / rise)) / 2
                : 0.004e-4 + (0.1 - 0.004e-4) * (1 + Math.Cos(Math.PI * (s - rise) / (Total - 1 - rise))) / 2;
            Assert.AreEqual(expected, schedule.At(s), 1e-7, $"step {s}");
        }
        Assert.AreEqual(0.1 / 25, schedule.At(0), 1e-7, "WarmupSteps does not apply: the rise is the warmup");
        Assert.AreEqual(0.1 / 25 / 1e4, schedule.At(Total - 1), 1e-9);
        Assert.AreEqual(0.95, schedule.MomentumAt(0)!.Value, 1e-9);
        Assert.AreEqual(0.85, schedule.MomentumAt(32)!.Value, 1e-3);
        Assert.AreEqual(0.95, schedule.MomentumAt(Total - 1)!.Value, 1e-9);
        Assert.IsNull(Schedule(LearningRateScheduleKind.Cosine).MomentumAt(5), "only OneCycle cycles the momentum");
    }

    [TestMethod]
    public void ReduceOnPlateauMultipliesByGammaAfterMoreThanPatienceEpochsWithoutImprovement()
    {
        var schedule = Schedule(LearningRateScheduleKind.ReduceOnPlateau); // patience 2 (the default), gamma 0.5
        Assert.AreEqual(0.1, schedule.At(Warmup + 5), 1e-7);
        foreach (double loss in new[] { 1.0, 0.8, 0.79995, 0.9, 0.81 }) // 0.79995 is not better by a relative 1e-4
            schedule.EndEpoch(loss);
        Assert.AreEqual(0.05, schedule.At(Warmup + 5), 1e-7, "three epochs without improvement: halved");
        foreach (double loss in new[] { 0.7, 0.75, 0.75 })
            schedule.EndEpoch(loss);
        Assert.AreEqual(0.05, schedule.At(Warmup + 5), 1e-7, "an improvement resets the count");
        foreach (double loss in new[] { 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75, 0.75 })
            schedule.EndEpoch(loss);
        Assert.AreEqual(0.01, schedule.At(Warmup + 5), 1e-7, "never below MinimumLearningRate");
        schedule.EndEpoch(null);
        Assert.AreEqual(0.01, schedule.At(Warmup + 5), 1e-7);
    }

    [TestMethod]
    public void APlateauStateSurvivesACheckpoint()
    {
        var schedule = Schedule(LearningRateScheduleKind.ReduceOnPlateau);
        foreach (double loss in new[] { 1.0, 1.0, 1.0, 1.0, 0.5, 0.6 })
            schedule.EndEpoch(loss);
        var checkpoint = new CheckpointFile();
        schedule.Capture(checkpoint);
        var resumed = Schedule(LearningRateScheduleKind.ReduceOnPlateau);
        resumed.Restore(checkpoint);
        Assert.AreEqual(0.5, resumed.PlateauScale);
        foreach (var s in new[] { schedule, resumed })
        {
            s.EndEpoch(0.6);
            s.EndEpoch(0.6); // the third epoch after the best (0.5): the count carried over says reduce now
        }
        Assert.AreEqual(0.25, resumed.PlateauScale);
        Assert.AreEqual(schedule.At(50), resumed.At(50));
    }
}
