using TorchSharp;

namespace MLStability.Tests.Scaling;

/// <summary>
/// The robust scaling's statistics against their definitions written out with a sort, and the in-place scaling of
/// the training tensor against the scaling of one batch: the fast paths must compute the same numbers.
/// </summary>
[TestClass]
public sealed class ScalingStatisticsTests
{
    /// <summary>The reference: sort, then interpolate linearly at position q (n - 1).</summary>
    private static double SortedQuantile(double[] values, double q)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }

    [TestMethod]
    public void SelectedQuantilesEqualSortedOnes()
    {
        var random = new Random(7);
        foreach (int length in new[] { 1, 2, 3, 10, 101, 1000 })
        {
            for (int trial = 0; trial < 20; trial++)
            {
                // Few distinct values (ties, as in counts and categories) in half the trials, continuous ones in the rest.
                double[] values = Enumerable.Range(0, length)
                    .Select(_ => trial % 2 == 0 ? random.Next(4) : random.NextDouble() * 100 - 50).ToArray();
                if (trial == 1)
                    Array.Sort(values); // sorted input, the quickselect's classic worst case without a good pivot
                foreach (double q in new[] { 0, 0.25, 0.5, 0.75, 1 })
                    Assert.AreEqual(SortedQuantile(values, q), OrderStatistics.Quantile((double[])values.Clone(), q), $"n {length}, trial {trial}, q {q}");
            }
        }
    }

    [TestMethod]
    public void FeatureScalingIsTheMedianAndIqrOfEachColumn()
    {
        const int Rows = 500, Columns = 4;
        var random = new Random(3);
        var features = new float[Rows * Columns];
        for (int r = 0; r < Rows; r++)
        {
            features[r * Columns] = (float)(random.NextDouble() * 1000);          // wide: scaled
            features[r * Columns + 1] = (float)(random.NextDouble() - 0.5);       // already a unit range: left alone
            features[r * Columns + 2] = r % 50 == 0 ? 8 : 2;                      // IQR 0: divided by the largest distance
            features[r * Columns + 3] = (float)(random.NextDouble() * 0.1 + 5);   // narrow, off-centre: scaled
        }
        var scaling = ScalingStatistics.Features(features, Rows, Columns, f => f);
        for (int c = 0; c < Columns; c++)
        {
            double[] column = Enumerable.Range(0, Rows).Select(r => (double)features[r * Columns + c]).ToArray();
            double median = SortedQuantile(column, 0.5);
            double spread = (SortedQuantile(column, 0.75) - SortedQuantile(column, 0.25)) / 1.349;
            if (c == 1)
                (median, spread) = (0, 1);
            if (c == 2)
                spread = column.Max(v => Math.Abs(v - median));
            Assert.AreEqual((float)median, scaling.Shift[c], $"column {c}: shift");
            Assert.AreEqual((float)(1 / spread), scaling.Scale[c], $"column {c}: scale");
        }
        Assert.IsTrue(scaling.CompressTails);
    }

    [TestMethod]
    public void ScalingTheTrainingTensorInPlaceGivesTheValuesOfScalingABatch()
    {
        // More rows than one in-place chunk, and values far out in the tails, where the compression works.
        const int Rows = 2500, Columns = 3;
        var random = new Random(11);
        float[] features = Enumerable.Range(0, Rows * Columns).Select(_ => (float)Math.Tan(Math.PI * (random.NextDouble() - 0.5))).ToArray(); // Cauchy: heavy tails
        var scaling = ScalingStatistics.Features(features, Rows, Columns, f => f);
        using var scope = torch.NewDisposeScope();
        var batch = scaling.Apply(torch.tensor(features, new long[] { Rows, Columns }));
        var inPlace = torch.tensor(features, new long[] { Rows, Columns });
        scaling.ApplyInPlace(inPlace);
        Assert.IsTrue(batch.abs().max().item<float>() > AffineScaling.TailStart, "the test must reach the tails");
        CollectionAssert.AreEqual(batch.data<float>().ToArray(), inPlace.data<float>().ToArray());
    }
}
