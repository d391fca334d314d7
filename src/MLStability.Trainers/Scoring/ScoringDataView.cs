using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// The lazy result of a StableDeep transformer's Transform: nothing is scored until a cursor asks for a prediction
/// column, and then sequential cursors score in batches.
/// </summary>
internal sealed class ScoringDataView : IDataView
{
    internal const int ScoringBatchSize = 512;

    private readonly IDataView input;
    private readonly DataViewSchema.Column feature;
    private readonly RowScorer model;
    private readonly PredictionColumns predictions;

    public ScoringDataView(IDataView input, DataViewSchema.Column feature, RowScorer model, PredictionColumns predictions, DataViewSchema schema)
    {
        this.input = input;
        this.feature = feature;
        this.model = model;
        this.predictions = predictions;
        Schema = schema;
    }

    public bool CanShuffle => input.CanShuffle;

    public DataViewSchema Schema { get; }

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var (inputColumns, scoring, isActive) = Plan(columnsNeeded);
        var cursor = input.GetRowCursor(inputColumns, rand);
        // A second cursor can only follow the first when the order is not random.
        IScoreSource? source = !scoring ? null
            : rand == null ? new BatchScoreSource(cursor, input, feature, model, ScoringBatchSize)
            : new PerRowScoreSource(cursor, feature, model);
        return new ScoringCursor(cursor, Schema, predictions, source, isActive);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var (inputColumns, scoring, isActive) = Plan(columnsNeeded);
        // Each parallel cursor scores its own rows; inference is thread-safe.
        return input.GetRowCursorSet(inputColumns, n, rand)
            .Select(c => (DataViewRowCursor)new ScoringCursor(c, Schema, predictions, scoring ? new PerRowScoreSource(c, feature, model) : null, isActive))
            .ToArray();
    }

    /// <summary>The input columns a cursor needs, whether it scores, and which output columns are active.</summary>
    private (List<DataViewSchema.Column> Input, bool Scoring, Func<int, bool> IsActive) Plan(IEnumerable<DataViewSchema.Column> columnsNeeded)
    {
        var needed = columnsNeeded.Select(c => c.Index).ToHashSet();
        int inputCount = input.Schema.Count;
        bool scoring = needed.Any(i => i >= inputCount);
        var inputColumns = needed.Where(i => i < inputCount).Select(i => input.Schema[i]).ToList();
        if (scoring && !needed.Contains(feature.Index))
            inputColumns.Add(feature);
        return (inputColumns, scoring, needed.Contains);
    }
}
