namespace MLStability;

/// <summary>
/// What one pass over a streamed data set learns before training: how many rows train and how many validate, sums
/// for the checkpoint fingerprint, and a uniform sample of the training rows (reservoir sampling, seeded) from which
/// the scaling, LSUV and the bfloat16 check are fitted, as the in-memory path fits them from all training rows.
/// </summary>
/// <param name="TrainingRows">Rows on the training side of the split.</param>
/// <param name="ValidationRows">Rows held out.</param>
/// <param name="FeatureSum">The sum of every feature value (checkpoint fingerprint).</param>
/// <param name="TargetSum">The sum of every target value (checkpoint fingerprint).</param>
/// <param name="Sample">Up to <see cref="SampleRows"/> training rows, drawn uniformly.</param>
internal sealed record StreamingSummary(long TrainingRows, long ValidationRows, double FeatureSum, double TargetSum, SupervisedData Sample)
{
    /// <summary>Training rows kept in the sample: enough for medians, quartiles and means to two or three digits.</summary>
    public const int SampleRows = 20_000;

    /// <summary>Reads <paramref name="source"/> once, in its own order.</summary>
    public static StreamingSummary Collect(IRowSource source, int seed, float validationFraction)
    {
        var collector = new Collector(source, seed, validationFraction);
        source.Read(null, collector, CancellationToken.None);
        if (collector.TrainingRows == 0)
            throw new ArgumentException(collector.ValidationRows == 0
                ? "The training data has no rows."
                : $"ValidationFraction = {validationFraction} leaves no training rows out of {collector.ValidationRows}.");
        return new StreamingSummary(collector.TrainingRows, collector.ValidationRows, collector.FeatureSum, collector.TargetSum, collector.Sample());
    }

    private sealed class Collector(IRowSource source, int seed, float validationFraction) : IRowSink
    {
        private readonly Random random = new(seed);
        private readonly float[] features = new float[(long)SampleRows * source.FeatureCount];
        private readonly float[] targets = new float[(long)SampleRows * source.TargetWidth];

        public long TrainingRows { get; private set; }
        public long ValidationRows { get; private set; }
        public double FeatureSum { get; private set; }
        public double TargetSum { get; private set; }

        public void Accept(ReadOnlySpan<float> rowFeatures, ReadOnlySpan<float> rowTargets, ulong rowKey)
        {
            foreach (float value in rowFeatures)
                FeatureSum += value;
            foreach (float value in rowTargets)
                TargetSum += value;
            if (RowSplit.IsValidation(rowKey, seed, validationFraction))
            {
                ValidationRows++;
                return;
            }
            // Algorithm R (Vitter 1985): row t replaces a random slot with probability SampleRows / t.
            long slot = TrainingRows < SampleRows ? TrainingRows : random.NextInt64(TrainingRows + 1);
            TrainingRows++;
            if (slot >= SampleRows)
                return;
            rowFeatures.CopyTo(features.AsSpan((int)slot * source.FeatureCount, source.FeatureCount));
            rowTargets.CopyTo(targets.AsSpan((int)slot * source.TargetWidth, source.TargetWidth));
        }

        public SupervisedData Sample()
        {
            int rows = (int)Math.Min(TrainingRows, SampleRows);
            var sampleFeatures = features.AsSpan(0, rows * source.FeatureCount).ToArray();
            var sampleTargets = targets.AsSpan(0, rows * source.TargetWidth).ToArray();
            if (source.TargetsAreFeatures)
                return new RegressionData(sampleFeatures, sampleFeatures, source.FeatureCount, source.FeatureCount, targetsAreFeatures: true);
            return source.Objective == TrainingObjective.CrossEntropy
                ? new ClassificationData(sampleFeatures, sampleTargets.Select(t => (int)t).ToArray(), source.FeatureCount, source.OutputCount)
                : new RegressionData(sampleFeatures, sampleTargets, source.FeatureCount, source.TargetWidth, source.Objective);
        }
    }
}
