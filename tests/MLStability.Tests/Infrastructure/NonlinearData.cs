namespace MLStability.Tests;

/// <summary>Generated problems that a linear model cannot fit: a nonlinear regression and an XOR-shaped binary task.</summary>
internal static class NonlinearData
{
    public const int FeatureCount = 8;

    /// <summary>y = (sin(3 x0) + x1^2 - x2 x3 + 0.5 |x4| + noise(0.05)) x targetScale, x uniform in [-1, 1]^8.</summary>
    public static IDataView Regression(MLContext ml, int rows, int seed, float targetScale = 1)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, rows).Select(_ =>
        {
            float[] x = Features(random);
            float y = MathF.Sin(3 * x[0]) + x[1] * x[1] - x[2] * x[3] + 0.5f * MathF.Abs(x[4]) + 0.05f * Gaussian(random);
            return new RegressionRow { Label = y * targetScale, Features = x };
        }).ToList();
        return ml.Data.LoadFromEnumerable(data);
    }

    /// <summary>Label = x0 x1 &gt; 0 (XOR of the signs: no linear model does better than chance); 10% of labels flipped.</summary>
    public static IDataView Binary(MLContext ml, int rows, int seed, double positiveFraction = 1)
    {
        var random = new Random(seed);
        var data = new List<BinaryRow>();
        while (data.Count < rows)
        {
            float[] x = Features(random);
            bool label = x[0] * x[1] > 0;
            if (label && random.NextDouble() > positiveFraction)
                continue; // thin out the positives for imbalanced data sets
            if (random.NextDouble() < 0.1)
                label = !label;
            data.Add(new BinaryRow { Label = label, Features = x });
        }
        return ml.Data.LoadFromEnumerable(data);
    }

    private static float[] Features(Random random) =>
        Enumerable.Range(0, FeatureCount).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();

    private static float Gaussian(Random random) =>
        (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));

    public sealed class RegressionRow
    {
        public float Label { get; set; }

        [VectorType(FeatureCount)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    public sealed class BinaryRow
    {
        public bool Label { get; set; }

        [VectorType(FeatureCount)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }
}
