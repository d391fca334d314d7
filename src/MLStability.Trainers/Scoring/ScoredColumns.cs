using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// The getters of an output row: input columns pass through, the appended columns (see <see cref="PredictionColumns"/>)
/// read the row's network outputs from an <see cref="IScoreSource"/>. Shared by the cursor (IDataView) and the row
/// (PredictionEngine).
/// </summary>
internal sealed class ScoredColumns
{
    private readonly DataViewRow input;
    private readonly Delegate?[] getters;
    private readonly bool[] active;
    private readonly int inputCount;

    public ScoredColumns(DataViewRow input, DataViewSchema output, PredictionColumns columns, IScoreSource? scores, Func<int, bool> isActive)
    {
        this.input = input;
        inputCount = output.Count - columns.Count;
        active = Enumerable.Range(0, columns.Count).Select(i => isActive(inputCount + i)).ToArray();
        getters = Enumerable.Range(0, columns.Count)
            .Select(i => active[i] && scores != null ? columns.CreateGetter(i, scores.Current) : null).ToArray();
    }

    public bool IsActive(DataViewSchema.Column column) =>
        column.Index >= inputCount ? active[column.Index - inputCount] : input.IsColumnActive(input.Schema[column.Index]);

    public ValueGetter<T> GetGetter<T>(DataViewSchema.Column column)
    {
        if (column.Index < inputCount)
            return input.GetGetter<T>(input.Schema[column.Index]);
        var getter = getters[column.Index - inputCount]
            ?? throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
        return getter as ValueGetter<T> ?? throw new InvalidOperationException(
            $"Column '{column.Name}' is of type {column.Type}; it cannot be read as {typeof(T).Name}.");
    }
}
