using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLStability.Tests;

/// <summary>
/// DataLoading = Auto on a view that does not know its row count (every text file, LoadFromEnumerable): it holds a
/// bounded sample while it decides, not a quarter of the machine's memory.
/// </summary>
[TestClass]
public sealed class AutoDataLoadingTests
{
    private const int WideFeatures = 100_000; // 1.2 MB a row in memory: 256 MB is 223 rows

    [TestMethod]
    public void AnUnknownLengthViewLargerThanTheSampleIsStreamedAfterReadingAtMostTheSample()
    {
        var options = new StableDeepOptions { Seed = 1 };
        Assert.IsNull(options.MemoryBudgetMegabytes);
        long limit = DataLoading.UnknownLengthLimitBytes(options);
        Assert.IsTrue(limit <= DataLoading.UnknownLengthSampleBytes, $"the default reads at most 256 MB of it, not {limit >> 20} MB");
        long sampleRows = limit / DataLoading.BytesPerRow(WideFeatures);

        var (view, pulled) = WideRows(rows: (int)sampleRows + 50);
        var rows = Load(options, view);
        Assert.IsNotNull(rows.Streamed, "a view larger than the sample streams");
        Assert.IsNull(rows.InMemory);
        Assert.IsTrue(pulled() <= sampleRows + 2, $"Auto pulled {pulled()} rows of {WideFeatures} features before streaming; the sample is {sampleRows}");
    }

    [TestMethod]
    public void AnUnknownLengthViewThatEndsWithinTheSampleStaysInMemory()
    {
        var (view, _) = WideRows(rows: 40);
        var rows = Load(new StableDeepOptions { Seed = 1 }, view);
        Assert.IsNotNull(rows.InMemory);
        Assert.AreEqual(40, rows.InMemory.Rows);
    }

    [TestMethod]
    public void AnExplicitBudgetIsWhatAutoMayHoldOfAnUnknownLengthView()
    {
        var options = new StableDeepOptions { Seed = 1, MemoryBudgetMegabytes = 600 };
        Assert.AreEqual(600L << 20, DataLoading.UnknownLengthLimitBytes(options));
        var (view, _) = WideRows(rows: 300); // 360 MB: over the default sample, within the budget the user set
        Assert.IsNotNull(Load(options, view).InMemory);
    }

    private static DataLoading.Rows Load(StableDeepOptions options, IDataView view)
    {
        var ml = new MLContext(seed: 1);
        using var channel = ((IHostEnvironment)ml).Start("test");
        return DataLoading.Load(options, view, label: null, "Features", WideFeatures, channel);
    }

    /// <summary>A LoadFromEnumerable view of wide rows generated on demand, and how many rows its first read pulled.</summary>
    private static (IDataView View, Func<int> Pulled) WideRows(int rows)
    {
        int pulled = 0;
        IEnumerable<WideRow> Generate()
        {
            for (int i = 0; i < rows; i++)
            {
                Interlocked.Increment(ref pulled);
                var features = new float[WideFeatures];
                features[i % WideFeatures] = 1;
                yield return new WideRow { Features = features };
            }
        }
        var view = new MLContext(seed: 1).Data.LoadFromEnumerable(new Replayable(Generate));
        Assert.IsNull(view.GetRowCount());
        return (view, () => pulled);
    }

    private sealed class WideRow
    {
        [VectorType(WideFeatures)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }

    private sealed class Replayable(Func<IEnumerable<WideRow>> generate) : IEnumerable<WideRow>
    {
        public IEnumerator<WideRow> GetEnumerator() => generate().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
