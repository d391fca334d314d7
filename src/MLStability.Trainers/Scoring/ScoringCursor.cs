using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>A cursor over the input that adds the prediction columns.</summary>
internal sealed class ScoringCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor input;
    private readonly IScoreSource? scores;
    private readonly ScoredColumns columns;

    public ScoringCursor(DataViewRowCursor input, DataViewSchema schema, PredictionColumns predictions, IScoreSource? scores, Func<int, bool> isActive)
    {
        this.input = input;
        this.scores = scores;
        Schema = schema;
        columns = new ScoredColumns(input, schema, predictions, scores, isActive);
    }

    public override DataViewSchema Schema { get; }
    public override long Position => input.Position;
    public override long Batch => input.Batch;
    public override bool MoveNext() => input.MoveNext();
    public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
    public override bool IsColumnActive(DataViewSchema.Column column) => columns.IsActive(column);
    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => columns.GetGetter<TValue>(column);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            (scores as IDisposable)?.Dispose();
            input.Dispose();
        }
        base.Dispose(disposing);
    }
}
