using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace MLStability.Trainers;

/// <summary>
/// An IDataView as the engine's <see cref="IRowSource"/>, and the one reader of training rows (the in-memory path,
/// <see cref="TrainingDataReader"/>, is one pass of it): every read opens a cursor (ML.NET's shuffled cursor when the
/// view can shuffle and a shuffled read is asked for), checks each row's label and features, skips rows without a
/// label, and identifies rows by ML.NET's row ids, which do not depend on the order a cursor returns them in.
/// Without a label column (the autoencoder) the features are the targets.
/// </summary>
internal sealed class DataViewRowSource : IRowSource
{
    private readonly IDataView data;
    private readonly LabelColumn? label;
    private readonly DataViewSchema.Column feature;
    private readonly IChannel channel;
    private bool reportedSkipped;

    public DataViewRowSource(IDataView data, LabelColumn? label, string featureName, int featureCount, IChannel channel)
    {
        this.data = data;
        this.label = label;
        feature = data.Schema[featureName];
        FeatureCount = featureCount;
        this.channel = channel;
    }

    public int FeatureCount { get; }
    public int OutputCount => label?.OutputCount ?? FeatureCount;
    public int TargetWidth => label is null ? 0 : 1;
    public bool TargetsAreFeatures => label is null;
    public TrainingObjective Objective => label?.Objective ?? TrainingObjective.MeanSquaredError;
    public bool CanShuffle => data.CanShuffle;

    public void Read(int? shuffleSeed, IRowSink sink, CancellationToken cancellation)
    {
        var columns = label is null ? new[] { feature } : new[] { data.Schema[label.Name], feature };
        using var cursor = shuffleSeed is int seed ? data.GetRowCursor(columns, new Random(seed)) : data.GetRowCursor(columns);
        var readLabel = label?.CreateReader(cursor, data.Schema) ?? (() => 0);
        var readFeatures = new FeatureVectorReader(cursor, feature, FeatureCount);
        var readId = cursor.GetIdGetter();
        var features = new float[FeatureCount];
        var target = new float[TargetWidth];
        var distinct = new HashSet<float>();
        DataViewRowId id = default;
        long row = 0, kept = 0, skipped = 0;
        for (; RowCursors.MoveNext(cursor, row); row++)
        {
            if ((row & 1023) == 0)
                cancellation.ThrowIfCancellationRequested();
            if (readLabel() is not float value)
            {
                skipped++;
                continue;
            }
            readId(ref id);
            // In a shuffled read the cursor's position is not the row's place in the view: name the row by its id.
            readFeatures.Read(features, shuffleSeed is null ? row : (long)id.Low);
            if (label != null)
            {
                target[0] = value;
                LabelColumn.AddDistinct(distinct, value);
            }
            sink.Accept(features, target, id.Low ^ (id.High * 0x9E3779B97F4A7C15UL));
            kept++;
        }
        if (skipped > 0 && !reportedSkipped)
        {
            channel.Warning(MessageSensitivity.None, $"StableDeep: skipped {skipped} of {row} rows whose label '{label?.Name}' is missing.");
            reportedSkipped = true;
        }
        if (kept == 0)
            throw new ArgumentException(row == 0
                ? "StableDeep: the training data has no rows."
                : $"StableDeep: none of the {row} training rows has a label in column '{label?.Name}'.", "data");
        label?.CheckDistinct(distinct);
    }
}
