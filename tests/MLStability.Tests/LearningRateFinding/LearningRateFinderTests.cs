using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLStability.Tests;

/// <summary>The learning-rate range test: its curve follows the formulas, it stops at divergence, and its suggestion trains.</summary>
[TestClass]
public sealed class LearningRateFinderTests
{
    private static IDataView Digits(MLContext ml, IDataView images) =>
        ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(images).Transform(images);

    private static StableDeepOptions DigitOptions() => new()
    {
        HiddenLayers = 2,
        HiddenSize = 64,
        Epochs = 4,
        BatchSize = 64,
        Seed = 5,
        Device = SmallOptions.Device,
    };

    [TestMethod]
    public void TheCurveRisesExponentiallySmoothsTheLossAndStopsAtDivergence()
    {
        var ml = new MLContext(seed: 1);
        var settings = new LearningRateFinderOptions { StartLearningRate = 1e-6, EndLearningRate = 100, Steps = 150 };
        var test = ml.MulticlassClassification.Trainers.StableDeep(DigitOptions()).FindLearningRate(Digits(ml, TestData.MnistTrain(ml, 1500)), settings);

        Assert.IsTrue(test.Diverged, test.ToString());
        Assert.IsTrue(test.Points.Count < settings.Steps, "a rate of 100 diverges long before the last step");
        for (int i = 0; i < test.Points.Count; i++)
        {
            double expected = 1e-6 * Math.Pow(1e8, i / 149.0);
            Assert.AreEqual(expected, test.Points[i].LearningRate, expected * 1e-9, $"step {i}");
        }
        // The smoothed loss is the bias-corrected moving average of the mini-batch losses (fastai's formula).
        double average = 0;
        for (int i = 0; i < test.Points.Count && double.IsFinite(test.Points[i].Loss); i++)
        {
            average = 0.9 * average + 0.1 * test.Points[i].Loss;
            Assert.AreEqual(average / (1 - Math.Pow(0.9, i + 1)), test.Points[i].SmoothedLoss, 1e-9, $"step {i}");
        }
        var last = test.Points[^1];
        double lowest = test.Points.Where(p => double.IsFinite(p.SmoothedLoss)).Min(p => p.SmoothedLoss);
        Assert.IsTrue(!double.IsFinite(last.Loss) || last.SmoothedLoss > 4 * lowest, "stopped where the smoothed loss passed 4x its minimum");
        Assert.IsTrue(lowest < 0.5 * test.Points[0].SmoothedLoss, $"the loss fell before diverging: {lowest} vs {test.Points[0].SmoothedLoss}");

        var minimum = test.Points.Where(p => double.IsFinite(p.SmoothedLoss)).MinBy(p => p.SmoothedLoss)!;
        Assert.AreEqual(minimum.LearningRate, test.MinimumLossLearningRate);
        Assert.AreEqual(minimum.LearningRate / 10, test.SuggestedLearningRate!.Value, 1e-15);
        Assert.IsTrue(test.SteepestLearningRate <= test.MinimumLossLearningRate, test.ToString());
    }

    [TestMethod]
    public void TheSuggestedRateTrainsAsWellAsTheDefaultAndFarBetterThanTheRangesStart()
    {
        var ml = new MLContext(seed: 1);
        var train = Digits(ml, TestData.MnistTrain(ml, 2000));
        var evaluation = Digits(ml, TestData.MnistTest(ml, 1000));
        var options = DigitOptions();
        var test = ml.MulticlassClassification.Trainers.StableDeep(options).FindLearningRate(train);
        Assert.IsNull(options.LearningRate, "the finder leaves the options alone");

        double Accuracy(float? learningRate)
        {
            var o = DigitOptions();
            o.LearningRate = learningRate;
            var model = ml.MulticlassClassification.Trainers.StableDeep(o).Fit(train);
            return ml.MulticlassClassification.Evaluate(model.Transform(evaluation)).MicroAccuracy;
        }

        double suggested = Accuracy((float)test.SuggestedLearningRate!.Value), byDefault = Accuracy(null);
        double tooLow = Accuracy(1e-6f);
        Console.WriteLine($"{test}\nsuggested {suggested:F4}, default {byDefault:F4}, 1e-6 {tooLow:F4}");
        Assert.IsTrue(suggested >= byDefault - 0.01, $"suggested {suggested} vs default {byDefault}");
        Assert.IsTrue(suggested > tooLow + 0.2, $"suggested {suggested} vs 1e-6 {tooLow}");
    }

    [TestMethod]
    public void ANetThatDivergesAtTheSmallestRateGetsNoSuggestion()
    {
        var ml = new MLContext(seed: 1);
        var exploding = DigitOptions();
        ExplodingRecipe.Apply(exploding, layers: 20);
        var test = ml.MulticlassClassification.Trainers.StableDeep(exploding).FindLearningRate(Digits(ml, TestData.MnistTrain(ml, 500)));
        Assert.IsTrue(test.Diverged);
        Assert.IsNull(test.SuggestedLearningRate, test.ToString());
        StringAssert.Contains(test.ToString(), "no rate lowered the loss");

        var healthy = ml.MulticlassClassification.Trainers.StableDeep(DigitOptions()).FindLearningRate(Digits(ml, TestData.MnistTrain(ml, 500)));
        Assert.IsNotNull(healthy.SuggestedLearningRate, healthy.ToString());
    }

    [TestMethod]
    public void TheSameSeedGivesTheSameCurve()
    {
        var ml = new MLContext(seed: 1);
        var train = Digits(ml, TestData.MnistTrain(ml, 500));
        var settings = new LearningRateFinderOptions { Steps = 40 };
        var first = ml.MulticlassClassification.Trainers.StableDeep(DigitOptions()).FindLearningRate(train, settings);
        var second = ml.MulticlassClassification.Trainers.StableDeep(DigitOptions()).FindLearningRate(train, settings);
        CollectionAssert.AreEqual(first.Points.Select(p => p.Loss).ToArray(), second.Points.Select(p => p.Loss).ToArray());
    }

    [TestMethod]
    public void RegressionAndBinaryTrainersFindARateOnTheirOwnLoss()
    {
        var ml = new MLContext(seed: 1);
        var rows = NonlinearData.Regression(ml, 600, seed: 3);
        var settings = new LearningRateFinderOptions { Steps = 120 };
        var regression = ml.Regression.Trainers.StableDeep(SmallOptions.Trainer()).FindLearningRate(rows, settings);
        Assert.IsTrue(regression.SuggestedLearningRate is > 1e-6 and < 1, regression.ToString());
        Assert.IsTrue(regression.Points.Min(p => p.SmoothedLoss) < 0.7 * regression.Points[0].SmoothedLoss, regression.ToString());

        var binary = ml.BinaryClassification.Trainers.StableDeep(SmallOptions.Trainer()).FindLearningRate(NonlinearData.Binary(ml, 600, seed: 3), settings);
        Assert.IsTrue(binary.Points[0].Loss is > 0.4 and < 1.2, $"binary cross-entropy starts near ln 2: {binary.Points[0].Loss}");
        Assert.IsTrue(binary.SuggestedLearningRate is > 1e-6 and < 1, binary.ToString());
    }

    [TestMethod]
    public void TheCurveIsDrawnAndWrittenAsCsv()
    {
        var ml = new MLContext(seed: 1);
        var test = ml.MulticlassClassification.Trainers.StableDeep(DigitOptions())
            .FindLearningRate(Digits(ml, TestData.MnistTrain(ml, 500)), new LearningRateFinderOptions { Steps = 60 });
        string directory = Path.Combine(Path.GetTempPath(), "mlstability-tests", "lr-" + Guid.NewGuid().ToString("N"));
        byte[] png = File.ReadAllBytes(test.SavePlot(Path.Combine(directory, "range.png")));
        Assert.IsTrue(png.Length > 5_000, $"{png.Length} bytes");
        CollectionAssert.AreEqual(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);

        string csv = Path.Combine(directory, "range.csv");
        test.SaveCsv(csv);
        var lines = File.ReadAllLines(csv);
        Assert.AreEqual("learning_rate,loss,smoothed_loss", lines[0]);
        Assert.AreEqual(test.Points.Count + 1, lines.Length);
    }

    [TestMethod]
    public void BadSettingsAreRejectedByName()
    {
        var ml = new MLContext(seed: 1);
        var trainer = ml.MulticlassClassification.Trainers.StableDeep(DigitOptions());
        var data = Digits(ml, TestData.MnistTrain(ml, 100));
        foreach (var (settings, name) in new[]
                 {
                     (new LearningRateFinderOptions { StartLearningRate = 0 }, "StartLearningRate"),
                     (new LearningRateFinderOptions { EndLearningRate = 1e-8 }, "EndLearningRate"),
                     (new LearningRateFinderOptions { Steps = 3 }, "Steps"),
                     (new LearningRateFinderOptions { Smoothing = 1 }, "Smoothing"),
                     (new LearningRateFinderOptions { DivergenceFactor = 1 }, "DivergenceFactor"),
                 })
        {
            var error = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.FindLearningRate(data, settings));
            Assert.AreEqual(name, error.ParamName);
        }
    }
}
