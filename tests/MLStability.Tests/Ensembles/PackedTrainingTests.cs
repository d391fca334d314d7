using MLStability.Ensembles;
using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Tests.Ensembles;

/// <summary>
/// Networks trained side by side in one pack (<see cref="PackedTraining"/>) against the reference, the same networks
/// trained one by one by the ordinary fit: without dropout, whose masks are the one thing drawn differently, each packed
/// member must end where its own fit ends; an unstable pack must give up and leave the members to their own fits.
/// </summary>
[TestClass]
public sealed class PackedTrainingTests
{
    /// <summary>A noisy nonlinear regression on 5 features, the middle row's target replaced by <paramref name="outlier"/>.</summary>
    private static RegressionData Regression(int rows, int seed = 4, float? outlier = null)
    {
        var random = new Random(seed);
        var features = new float[rows * 5];
        var targets = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < 5; j++)
                features[i * 5 + j] = (float)(random.NextDouble() * 4 - 2);
            targets[i] = (float)(Math.Sin(features[i * 5]) * features[i * 5 + 1] + 0.5 * features[i * 5 + 2] + 0.1 * (random.NextDouble() - 0.5));
        }
        if (outlier is float value)
            targets[rows / 2] = value;
        return new RegressionData(features, targets, 5);
    }

    /// <summary>Three Gaussian classes in 5 features.</summary>
    private static ClassificationData Classes(int rows, int seed = 5)
    {
        var random = new Random(seed);
        var features = new float[rows * 5];
        var labels = new int[rows];
        for (int i = 0; i < rows; i++)
        {
            labels[i] = i % 3;
            for (int j = 0; j < 5; j++)
                features[i * 5 + j] = (float)(random.NextDouble() * 2 - 1 + (j == labels[i] ? 1.2 : 0));
        }
        return new ClassificationData(features, labels, 5, 3);
    }

    private static DeepNetworkOptions Options(Action<DeepNetworkOptions>? change = null)
    {
        var options = new DeepNetworkOptions
        {
            HiddenLayers = 2, HiddenSize = 16, NumericEmbedding = NumericEmbeddingKind.Periodic, PeriodicEmbeddingFrequencies = 4,
            PeriodicEmbeddingWidth = 4, Dropout = 0, Epochs = 4, BatchSize = 32, WarmupSteps = 5, Device = SmallOptions.Device,
        };
        change?.Invoke(options);
        return options;
    }

    /// <summary>Member k's outputs on <paramref name="probe"/> rows, scaled as its fit scales them.</summary>
    private static float[] Outputs(DeepNetwork network, DataScaling scaling, SupervisedData probe)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var rows = DeviceTensors.Create(probe, torch.CPU, scaling);
        return network.forward(rows.Features).data<float>().ToArray();
    }

    private static double WorstDifference(float[] actual, float[] expected)
    {
        double scale = Math.Max(expected.Max(Math.Abs), 1e-2);
        return actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max() / scale;
    }

    /// <summary>
    /// Packs <paramref name="members"/> and compares every member's trained outputs with its own fit's; returns the
    /// trainer's log.
    /// </summary>
    private static List<string> AssertPackedEqualsAlone(DeepNetworkOptions options, (SupervisedData Rows, int Seed)[] members, SupervisedData probe,
        bool expectPacked = true)
    {
        var log = new List<string>();
        var fits = new NetworkTrainer(options, seed: 0, log.Add).FitMembers(members);
        for (int k = 0; k < members.Length; k++)
        {
            using var packed = fits[k].Network!;
            var alone = new NetworkTrainer(options, members[k].Seed);
            using var reference = members[k].Rows is ClassificationData classes ? (TrainedNetwork)alone.Train(classes) : alone.Train((RegressionData)members[k].Rows);
            double difference = WorstDifference(Outputs(packed, fits[k].Scaling!, probe), Outputs(reference.Network, reference.Scaling, probe));
            Console.WriteLine($"member {k + 1}: packed vs alone, largest relative difference {difference:G3}");
            if (expectPacked)
                Assert.IsTrue(difference < 2e-3, $"member {k + 1} differs from its own fit by {difference:G3}");
            else
                Assert.AreEqual(0, difference, $"member {k + 1} must be its own fit exactly");
        }
        Assert.AreEqual(expectPacked, !log.Any(l => l.Contains("gave up")), string.Join(Environment.NewLine, log));
        return log;
    }

    [TestMethod]
    public void PackedMembersFromOtherSeedsEndWhereTheirOwnFitsEnd()
    {
        var data = Regression(200);
        AssertPackedEqualsAlone(Options(), new (SupervisedData, int)[] { (data, 1), (data, 2), (data, 3) }, data);
    }

    [TestMethod]
    public void FoldsOfUnequalSizesPackWithTheirOwnScalingAndBatches()
    {
        // 190 and 191 rows: 6 batches of 32 each, the last one of 30 and of 31 rows (the shorter one is padded).
        var all = Classes(240);
        var first = all.Subset(Enumerable.Range(0, 190).ToArray());
        var second = all.Subset(Enumerable.Range(49, 191).ToArray());
        AssertPackedEqualsAlone(Options(o => o.ResidualConnections = true), new (SupervisedData, int)[] { (first, 7), (second, 7) }, all);
    }

    [TestMethod]
    public void APackThatBecomesUnstableGivesUpAndEachMemberRecoversInItsOwnFit()
    {
        // One target of 1e30, whose squared error is infinite: every batch that holds the row has a non-finite loss,
        // which the ordinary fit skips (4 epochs: 4 skipped steps) and which makes the pack give up at once.
        var data = Regression(200, outlier: 1e30f);
        var options = Options(o =>
        {
            o.StandardizeTargets = false;
            o.OnInstability = InstabilityPolicy.SkipStep;
        });
        var log = AssertPackedEqualsAlone(options, new (SupervisedData, int)[] { (data, 1), (data, 2) }, data, expectPacked: false);
        StringAssert.Contains(string.Join(" ", log), "loss was not finite at step");
    }

    [TestMethod]
    public void OptionsThatCannotBePackedTrainEachMemberAlone()
    {
        var data = Regression(120);
        var options = Options(o => o.Normalization = NormalizationKind.BatchNorm);
        Assert.IsNotNull(PackedTraining.Unsupported(options));
        var log = new List<string>();
        var fits = new NetworkTrainer(options, seed: 0, log.Add).FitMembers(new (SupervisedData, int)[] { (data, 1), (data, 2) });
        for (int k = 0; k < 2; k++)
        {
            using var network = fits[k].Network!;
            using var reference = new NetworkTrainer(options, k + 1).Train(data);
            Assert.AreEqual(0, WorstDifference(Outputs(network, fits[k].Scaling!, data), Outputs(reference.Network, reference.Scaling, data)));
        }
        Assert.IsNull(PackedTraining.Unsupported(Options()));
    }

    [TestMethod]
    public void ThePackedNetworkComputesEachMembersOutputsAndUnpacksIntoThem()
    {
        var options = Options(o => { o.ResidualConnections = true; o.ReZero = true; o.PreNormalization = true; o.HiddenLayerSizes = new[] { 12, 8 }; });
        torch.random.manual_seed(3);
        var members = Enumerable.Range(0, 3).Select(_ => new MlpNetwork(5, 2, options)).ToArray();
        using var packed = new PackedMlp(members, options);
        packed.eval();
        foreach (var member in members)
            member.eval();
        using var input = torch.randn(3, 10, 5);
        using (torch.no_grad())
        {
            // Train the packed copy away from the members, then unpack: each member must compute its slice again.
            foreach (var (parameter, _) in packed.Slots)
                parameter.add_(torch.randn_like(parameter) * 0.1);
            using var before = members[0].forward(input[0]);
            using var changed = packed.forward(input);
            Assert.IsTrue(WorstDifference(changed[0].data<float>().ToArray(), before.data<float>().ToArray()) > 1e-3, "the packed copy is its own tensors");
            packed.Unpack();
            for (int k = 0; k < 3; k++)
            {
                using var own = members[k].forward(input[k]);
                Assert.IsTrue(WorstDifference(changed[k].data<float>().ToArray(), own.data<float>().ToArray()) < 1e-5, $"member {k + 1}");
            }
        }
        foreach (var member in members)
            member.Dispose();
    }
}
