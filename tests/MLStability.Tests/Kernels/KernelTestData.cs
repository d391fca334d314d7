namespace MLStability.Tests.Kernels;

/// <summary>Engine-level data sets for the kernel tests.</summary>
internal static class KernelTestData
{
    /// <summary>One-channel images whose class (0 to 2) is the brightest third of the rows, with noise.</summary>
    public static ClassificationData Images(int rows, int side, int seed)
    {
        var random = new Random(seed);
        var features = new float[rows * side * side];
        var labels = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            labels[r] = r % 3;
            for (int y = 0; y < side; y++)
            {
                for (int x = 0; x < side; x++)
                    features[(r * side + y) * side + x] = (float)(random.NextDouble() * 0.5 + (y * 3 / side == labels[r] ? 1 : 0));
            }
        }
        return new ClassificationData(features, labels, side * side, 3);
    }
}
