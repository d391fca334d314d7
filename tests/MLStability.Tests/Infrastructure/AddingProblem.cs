namespace MLStability.Tests;

/// <summary>
/// The adding problem (Hochreiter and Schmidhuber 1997): each step carries a random value in [0, 1) and a marker;
/// exactly two steps are marked, one in each half, and the target is the sum of their values. A model must carry the
/// first marked value across up to T steps. Always predicting 1 (the mean) gives a mean squared error of 1/6 = 0.167.
/// </summary>
internal static class AddingProblem
{
    public const double ConstantPredictorError = 1.0 / 6;

    /// <summary>Row-major features [rows, steps x 2] (value, marker per step) and targets [rows].</summary>
    public static RegressionData Generate(int rows, int steps, int seed)
    {
        var random = new Random(seed);
        var features = new float[rows * steps * 2];
        var targets = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            int first = random.Next(steps / 2), second = steps / 2 + random.Next(steps - steps / 2);
            for (int t = 0; t < steps; t++)
            {
                float value = (float)random.NextDouble();
                features[(r * steps + t) * 2] = value;
                if (t == first || t == second)
                {
                    features[(r * steps + t) * 2 + 1] = 1;
                    targets[r] += value;
                }
            }
        }
        return new RegressionData(features, targets, steps * 2);
    }
}
