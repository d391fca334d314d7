using System.Collections.Concurrent;

namespace MLStability;

/// <summary>
/// Streams the mini-batches of one pass over an <see cref="IRowSource"/>: a background thread reads the rows, keeps
/// those of the wanted side of the validation split, shuffles them (the source's own shuffled read where it has one,
/// else a bounded shuffle buffer) and assembles batches, at most <see cref="Prefetch"/> ahead of the training loop, so
/// that reading overlaps the network's work. Batches are recycled: one batch's arrays are reused once the loop has
/// taken the next. An error of the source (a bad value, a failing view) reaches the loop when it takes the batch after
/// the last good one.
/// </summary>
internal static class BatchStream
{
    /// <summary>Batches read ahead of the loop.</summary>
    public const int Prefetch = 4;

    /// <summary>The rows one pass reads, and how they are batched.</summary>
    /// <param name="Source">The data.</param>
    /// <param name="Seed">The fit's seed (the validation split).</param>
    /// <param name="ValidationFraction">The share of rows held out.</param>
    /// <param name="Validation">True: the validation rows, in source order; false: the training rows.</param>
    /// <param name="BatchSize">Rows per batch (the last may have fewer).</param>
    /// <param name="ShuffleSeed">Seeds this pass's order (training passes only); null keeps the source's order.</param>
    /// <param name="ShuffleBufferRows">Rows the shuffle buffer holds when the source cannot shuffle itself.</param>
    /// <param name="DropLonelyLastRow">Drops a final batch of one row (batch normalization cannot train on it).</param>
    public sealed record Pass(IRowSource Source, int Seed, float ValidationFraction, bool Validation, int BatchSize,
        int? ShuffleSeed, int ShuffleBufferRows, bool DropLonelyLastRow);

    /// <summary>The pass's batches; each is valid until the next is taken.</summary>
    public static IEnumerable<HostBatch> Read(Pass pass)
    {
        using var ready = new BlockingCollection<HostBatch>(Prefetch);
        using var cancellation = new CancellationTokenSource();
        var pool = new ConcurrentBag<HostBatch>();
        var producer = Task.Factory.StartNew(() => Produce(pass, ready, pool, cancellation.Token), cancellation.Token,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        HostBatch? previous = null;
        try
        {
            foreach (var batch in ready.GetConsumingEnumerable())
            {
                if (previous != null)
                    pool.Add(previous);
                previous = batch;
                yield return batch;
            }
            producer.GetAwaiter().GetResult(); // the source's exception, as it was thrown
        }
        finally
        {
            cancellation.Cancel();
            try
            {
                producer.Wait();
            }
            catch (AggregateException)
            {
                // Already reported above, or the pass was abandoned (training stopped or failed): nothing to add.
            }
        }
    }

    private static void Produce(Pass pass, BlockingCollection<HostBatch> ready, ConcurrentBag<HostBatch> pool, CancellationToken cancellation)
    {
        try
        {
            var source = pass.Source;
            bool shuffleHere = pass.ShuffleSeed is int && !source.CanShuffle;
            var sink = new BatchingSink(pass, ready, pool, cancellation,
                shuffleHere ? new ShuffleBuffer(pass.ShuffleBufferRows, source.FeatureCount, source.TargetWidth, pass.ShuffleSeed!.Value) : null);
            source.Read(source.CanShuffle ? pass.ShuffleSeed : null, sink, cancellation);
            sink.Finish();
        }
        finally
        {
            ready.CompleteAdding();
        }
    }

    /// <summary>Splits, shuffles and batches the rows the source hands over.</summary>
    private sealed class BatchingSink(Pass pass, BlockingCollection<HostBatch> ready, ConcurrentBag<HostBatch> pool,
        CancellationToken cancellation, ShuffleBuffer? shuffle) : IRowSink
    {
        private HostBatch? current;
        private long batches;

        public void Accept(ReadOnlySpan<float> features, ReadOnlySpan<float> targets, ulong rowKey)
        {
            if (RowSplit.IsValidation(rowKey, pass.Seed, pass.ValidationFraction) != pass.Validation)
                return;
            if (shuffle is null)
                Add(features, targets);
            else
                shuffle.Push(features, targets, Add);
        }

        public void Finish()
        {
            shuffle?.Drain(Add);
            if (current is { Rows: > 0 } last && !(pass.DropLonelyLastRow && last.Rows == 1 && batches > 0))
                Emit(last);
        }

        private void Add(ReadOnlySpan<float> features, ReadOnlySpan<float> targets)
        {
            current ??= Take();
            current.Add(features, targets);
            if (current.IsFull)
                Emit(current);
        }

        private HostBatch Take()
        {
            if (!pool.TryTake(out var batch))
                return new HostBatch(pass.BatchSize, pass.Source.FeatureCount, pass.Source.TargetWidth);
            batch.Clear();
            return batch;
        }

        private void Emit(HostBatch batch)
        {
            ready.Add(batch, cancellation);
            batches++;
            current = null;
        }
    }

    /// <summary>
    /// A bounded shuffle for sources that read only in order: rows enter a buffer, and once it is full each new row
    /// pushes out a randomly chosen one; at the end the rest leave in random order. Rows move at most the buffer's
    /// length from their place, so sort the source randomly once if it is ordered by label.
    /// </summary>
    private sealed class ShuffleBuffer(int capacity, int featureCount, int targetWidth, int seed)
    {
        private readonly float[] features = new float[(long)capacity * featureCount];
        private readonly float[] targets = new float[(long)capacity * targetWidth];
        private readonly Random random = new(seed);
        private int count;

        public delegate void RowAction(ReadOnlySpan<float> features, ReadOnlySpan<float> targets);

        public void Push(ReadOnlySpan<float> rowFeatures, ReadOnlySpan<float> rowTargets, RowAction emit)
        {
            if (count < capacity)
            {
                Store(count++, rowFeatures, rowTargets);
                return;
            }
            int slot = random.Next(capacity);
            emit(Features(slot), Targets(slot));
            Store(slot, rowFeatures, rowTargets);
        }

        public void Drain(RowAction emit)
        {
            for (; count > 0; count--)
            {
                int slot = random.Next(count);
                emit(Features(slot), Targets(slot));
                // Move the last stored row into the emptied slot.
                Store(slot, Features(count - 1), Targets(count - 1));
            }
        }

        private Span<float> Features(int slot) => features.AsSpan(slot * featureCount, featureCount);

        private Span<float> Targets(int slot) => targets.AsSpan(slot * targetWidth, targetWidth);

        private void Store(int slot, ReadOnlySpan<float> rowFeatures, ReadOnlySpan<float> rowTargets)
        {
            rowFeatures.CopyTo(Features(slot));
            rowTargets.CopyTo(Targets(slot));
        }
    }
}
