namespace MLStability.Tests;

/// <summary>The engine's streaming batches: every row once per pass, the split by row, the shuffles, errors.</summary>
[TestClass]
public sealed class BatchStreamTests
{
    /// <summary>Rows 0..n-1 whose single feature and target are the row's index and whose key is the index.</summary>
    private sealed class CountingSource(int rows, bool canShuffle, int? failAt = null) : IRowSource
    {
        public int FeatureCount => 1;
        public int OutputCount => 1;
        public int TargetWidth => 1;
        public bool TargetsAreFeatures => false;
        public TrainingObjective Objective => TrainingObjective.MeanSquaredError;
        public bool CanShuffle => canShuffle;
        public int Reads { get; private set; }

        public void Read(int? shuffleSeed, IRowSink sink, CancellationToken cancellation)
        {
            Reads++;
            int[] order = Enumerable.Range(0, rows).ToArray();
            if (shuffleSeed is int seed)
                new Random(seed).Shuffle(order);
            foreach (int i in order)
            {
                if (i == failAt)
                    throw new InvalidOperationException($"bad value at row {i}");
                sink.Accept(new float[] { i }, new float[] { i }, (ulong)i);
            }
        }
    }

    private static List<int[]> Batches(IRowSource source, bool validation, int? shuffleSeed, int batchSize = 32, float fraction = 0.2f) =>
        BatchStream.Read(new BatchStream.Pass(source, Seed: 9, fraction, validation, batchSize, shuffleSeed, ShuffleBufferRows: 100, DropLonelyLastRow: false))
            .Select(b => b.Features.Take(b.Rows).Select(v => (int)v).ToArray()).ToList();

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void EveryTrainingRowComesOncePerPassAndTheValidationRowsNever(bool canShuffle)
    {
        var source = new CountingSource(1000, canShuffle);
        var training = Batches(source, validation: false, shuffleSeed: 1).SelectMany(b => b).ToArray();
        var validation = Batches(source, validation: true, shuffleSeed: null).SelectMany(b => b).ToArray();
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 1000).ToArray(), training.Concat(validation).ToArray());
        Assert.AreEqual(training.Length, training.Distinct().Count());
        Assert.IsTrue(validation.Length is > 150 and < 250, $"{validation.Length} of 1000 rows held out at 0.2");
        CollectionAssert.AreEqual(validation, validation.Order().ToArray(), "validation rows come in source order");
        var held = validation.ToHashSet();
        Assert.IsTrue(Enumerable.Range(0, 1000).All(i => RowSplit.IsValidation((ulong)i, 9, 0.2f) == held.Contains(i)), "the split is the row key's");
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void PassesAreShuffledBySeedAndTheSameSeedGivesTheSameOrder(bool canShuffle)
    {
        var source = new CountingSource(1000, canShuffle);
        var first = Batches(source, false, 1).SelectMany(b => b).ToArray();
        var again = Batches(source, false, 1).SelectMany(b => b).ToArray();
        var other = Batches(source, false, 2).SelectMany(b => b).ToArray();
        CollectionAssert.AreEqual(first, again);
        CollectionAssert.AreNotEqual(first, other);
        // Shuffled: far from the source order (a buffer of 100 rows moves rows by up to ~100 places and more).
        int inPlace = first.Zip(first.Order()).Count(p => p.First == p.Second);
        Assert.IsTrue(inPlace < 50, $"{inPlace} rows kept their sorted place");
        Assert.AreNotEqual(Enumerable.Range(0, 32).Count(i => !RowSplit.IsValidation((ulong)i, 9, 0.2f)), first.Take(32).Count(i => i < 32), "the first batch is not the first rows");
    }

    [TestMethod]
    public void BatchesAreFullButTheLastAndALonelyLastRowCanBeDropped()
    {
        var source = new CountingSource(65, canShuffle: true);
        var sizes = BatchStream.Read(new BatchStream.Pass(source, 9, 0, false, 32, 1, 100, DropLonelyLastRow: false)).Select(b => b.Rows).ToArray();
        CollectionAssert.AreEqual(new[] { 32, 32, 1 }, sizes);
        var dropped = BatchStream.Read(new BatchStream.Pass(source, 9, 0, false, 32, 1, 100, DropLonelyLastRow: true)).Select(b => b.Rows).ToArray();
        CollectionAssert.AreEqual(new[] { 32, 32 }, dropped);
    }

    [TestMethod]
    public void ASourceErrorReachesTheLoopAfterTheGoodBatches()
    {
        var source = new CountingSource(1000, canShuffle: false, failAt: 500);
        int seen = 0;
        var error = Assert.ThrowsExactly<InvalidOperationException>(() =>
        {
            foreach (var batch in BatchStream.Read(new BatchStream.Pass(source, 9, 0, false, 10, null, 100, false)))
                seen += batch.Rows;
        });
        Assert.AreEqual("bad value at row 500", error.Message);
        Assert.AreEqual(500, seen, "every row before the bad one was trained on");
    }

    [TestMethod]
    public void LeavingAPassEarlyStopsTheReader()
    {
        var source = new CountingSource(100_000, canShuffle: true);
        foreach (var _ in BatchStream.Read(new BatchStream.Pass(source, 9, 0, false, 10, 1, 100, false)).Take(3))
        {
        }
        // The reader was cancelled: the enumeration returned (the producer is joined in its finally) well before 100,000 rows.
        Assert.AreEqual(1, source.Reads);
    }
}
