using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// What every StableDeep transformer does the same way: check the feature column, build the output schema, score
/// lazily (<see cref="ScoringDataView"/>) and row by row for PredictionEngine (<see cref="ScoringRowMapper"/>). The
/// public transformers differ only in their prediction columns, their scorer and how they save themselves.
/// </summary>
internal sealed class ScoringCore(string featureColumn, RowScorer scorer, PredictionColumns predictions)
{
    public string FeatureColumnName { get; } = featureColumn;

    public int FeatureCount => scorer.FeatureCount;

    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        InputSchemaChecks.CheckFeatures(inputSchema, FeatureColumnName, scorer.FeatureCount);
        return predictions.Build(inputSchema);
    }

    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var schema = GetOutputSchema(input.Schema);
        return new ScoringDataView(input, input.Schema[FeatureColumnName], scorer, predictions, schema);
    }

    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema)
    {
        var schema = GetOutputSchema(inputSchema);
        return new ScoringRowMapper(inputSchema, schema, inputSchema[FeatureColumnName], scorer, predictions);
    }
}
