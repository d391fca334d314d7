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
}
