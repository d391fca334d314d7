using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>Scores single rows in place, as <c>PredictionEngine</c> needs.</summary>
internal sealed class ScoringRowMapper : IRowToRowMapper
{
    private readonly DataViewSchema.Column feature;
    private readonly RowScorer model;
    private readonly PredictionColumns predictions;

    public ScoringRowMapper(DataViewSchema inputSchema, DataViewSchema outputSchema, DataViewSchema.Column feature, RowScorer model,
        PredictionColumns predictions)
    {
        this.predictions = predictions;
        InputSchema = inputSchema;
        OutputSchema = outputSchema;
        this.feature = feature;
        this.model = model;
    }

    public DataViewSchema InputSchema { get; }
    public DataViewSchema OutputSchema { get; }

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
    {
        var columns = dependingColumns.Where(c => c.Index < InputSchema.Count).Select(c => InputSchema[c.Index]).ToList();
        if (dependingColumns.Any(c => c.Index >= InputSchema.Count) && !columns.Any(c => c.Index == feature.Index))
            columns.Add(feature);
        return columns;
    }

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        var active = activeColumns.Select(c => c.Index).ToHashSet();
        bool scoring = active.Any(i => i >= InputSchema.Count);
        return new ScoringRow(input, OutputSchema, predictions, scoring ? new PerRowScoreSource(input, feature, model) : null, active.Contains);
    }

    private sealed class ScoringRow : DataViewRow
    {
        private readonly DataViewRow input;
        private readonly ScoredColumns columns;

        public ScoringRow(DataViewRow input, DataViewSchema schema, PredictionColumns predictions, IScoreSource? scores, Func<int, bool> isActive)
        {
            this.input = input;
            Schema = schema;
            columns = new ScoredColumns(input, schema, predictions, scores, isActive);
        }

        public override DataViewSchema Schema { get; }
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
        public override bool IsColumnActive(DataViewSchema.Column column) => columns.IsActive(column);
        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => columns.GetGetter<TValue>(column);
    }
}
