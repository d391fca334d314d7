using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>Gives the network outputs of the row an output row or cursor is on.</summary>
internal interface IScoreSource
{
    /// <summary>Outputs of the current row (OutputCount values), computed at most once per row.</summary>
    ReadOnlyMemory<float> Current();
}

/// <summary>Scores one row at a time: for PredictionEngine, shuffled cursors and parallel cursor sets.</summary>
internal sealed class PerRowScoreSource : IScoreSource
{
    private readonly DataViewRow row;
    private readonly RowScorer model;
    private readonly FeatureVectorReader features;
    private readonly float[] input, output;
    private long scoredPosition = -1;

    public PerRowScoreSource(DataViewRow row, DataViewSchema.Column feature, RowScorer model)
    {
        this.row = row;
        this.model = model;
        features = new FeatureVectorReader(row, feature, model.FeatureCount);
        input = new float[model.FeatureCount];
        output = new float[model.OutputCount];
    }

    public ReadOnlyMemory<float> Current()
    {
        if (scoredPosition != row.Position)
        {
            features.Read(input, row.Position);
            model.Score(input, 1, output);
            scoredPosition = row.Position;
        }
        return output;
    }
}

/// <summary>
/// Scores a sequential cursor in batches: a second cursor over the same input reads the features of the next rows
/// ahead of the main cursor, and the network scores them in one call. Each row's id is checked against the main
/// cursor's; an input that does not repeat its row order makes the source fall back to scoring row by row.
/// </summary>
internal sealed class BatchScoreSource : IScoreSource, IDisposable
{
    private readonly DataViewRowCursor main, ahead;
    private readonly RowScorer model;
    private readonly FeatureVectorReader aheadFeatures;
    private readonly ValueGetter<DataViewRowId> mainId, aheadId;
    private readonly PerRowScoreSource fallback;
    private readonly int batchSize;
    private readonly float[] batchInput, batchOutput;
    private readonly DataViewRowId[] batchIds;
    private long batchStart = -1;
    private int batchRows;
    private bool useFallback;

    public BatchScoreSource(DataViewRowCursor main, IDataView input, DataViewSchema.Column feature, RowScorer model, int batchSize)
    {
        this.main = main;
        this.model = model;
        this.batchSize = batchSize;
        ahead = input.GetRowCursor(new[] { feature });
        aheadFeatures = new FeatureVectorReader(ahead, feature, model.FeatureCount);
        mainId = main.GetIdGetter();
        aheadId = ahead.GetIdGetter();
        fallback = new PerRowScoreSource(main, feature, model);
        batchInput = new float[batchSize * model.FeatureCount];
        batchOutput = new float[batchSize * model.OutputCount];
        batchIds = new DataViewRowId[batchSize];
    }

    public ReadOnlyMemory<float> Current()
    {
        if (useFallback)
            return fallback.Current();
        long position = main.Position;
        if (position < batchStart || position >= batchStart + batchRows)
            FillBatchFrom(position);
        int offset = (int)(position - batchStart);
        DataViewRowId id = default;
        mainId(ref id);
        if (offset >= batchRows || !id.Equals(batchIds[offset]))
        {
            useFallback = true; // The input produced a different row order for the second cursor.
            return fallback.Current();
        }
        return batchOutput.AsMemory(offset * model.OutputCount, model.OutputCount);
    }

    private void FillBatchFrom(long position)
    {
        while (ahead.Position < position - 1 && ahead.MoveNext()) { }
        batchStart = position;
        batchRows = 0;
        while (batchRows < batchSize && ahead.MoveNext())
        {
            aheadFeatures.Read(batchInput.AsSpan(batchRows * model.FeatureCount, model.FeatureCount), ahead.Position);
            aheadId(ref batchIds[batchRows]);
            batchRows++;
        }
        model.Score(batchInput.AsSpan(0, batchRows * model.FeatureCount), batchRows, batchOutput);
    }

    public void Dispose() => ahead.Dispose();
}
