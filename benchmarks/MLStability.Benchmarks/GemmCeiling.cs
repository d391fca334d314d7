using System.Diagnostics;
using TorchSharp;

namespace MLStability.Benchmarks;

/// <summary>The machine's float32 matrix-multiply ceiling: torch.mm on 2048 x 2048, median of 7.</summary>
internal static class GemmCeiling
{
    public static double GigaflopsPerSecond()
    {
        const long n = 2048;
        using var a = torch.randn(n, n);
        using var b = torch.randn(n, n);
        torch.mm(a, b).Dispose(); // warm up
        var times = new List<double>();
        for (int i = 0; i < 7; i++)
        {
            var clock = Stopwatch.StartNew();
            torch.mm(a, b).Dispose();
            times.Add(clock.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / Statistics.Median(times) / 1e9;
    }
}
