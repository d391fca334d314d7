namespace MLStability.Tests;

/// <summary>An option that only one task uses is rejected by the other tasks' trainers instead of being ignored.</summary>
[TestClass]
public sealed class TaskOptionsTests
{
    [TestMethod]
    public void ClassifiersRejectTheRegressionLoss()
    {
        var ml = new MLContext(seed: 1);
        var huber = new StableDeepOptions { RegressionLoss = RegressionLossKind.Huber };
        var error = Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.StableDeep(huber));
        StringAssert.Contains(error.Message, "StableDeepOptions.RegressionLoss = Huber applies to the regression trainer only; the multiclass trainer does not use it");
        Assert.AreEqual("RegressionLoss", error.ParamName);
        error = Assert.ThrowsExactly<ArgumentException>(() => ml.BinaryClassification.Trainers.StableDeep(new StableDeepOptions { HuberDelta = 2.5f }));
        StringAssert.Contains(error.Message, "StableDeepOptions.HuberDelta = 2.5 applies to the regression trainer only; the binary trainer");
    }

    [TestMethod]
    public void OnlyTheBinaryTrainerTakesAPositiveClassWeight()
    {
        var ml = new MLContext(seed: 1);
        var weighted = new StableDeepOptions { PositiveClassWeight = 5 };
        var error = Assert.ThrowsExactly<ArgumentException>(() => ml.Regression.Trainers.StableDeep(weighted));
        StringAssert.Contains(error.Message, "PositiveClassWeight = 5 applies to the binary trainer only; the regression trainer does not use it. Leave it at its default (1).");
        Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.StableDeep(weighted));
        Assert.IsNotNull(ml.BinaryClassification.Trainers.StableDeep(weighted));
        Assert.IsNotNull(ml.Regression.Trainers.StableDeep(new StableDeepOptions { RegressionLoss = RegressionLossKind.Huber, HuberDelta = 2 }));
    }
}
