using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// The getters of an output row: input columns pass through, Score and PredictedLabel come from an
/// <see cref="IScoreSource"/>. Shared by the cursor (IDataView) and the row (PredictionEngine).
/// </summary>
internal sealed class ScoredColumns
{
    private readonly DataViewRow input;
    private readonly IScoreSource? scores;
    private readonly int scoreIndex, predictedIndex;
    private readonly bool scoreActive, predictedActive;

    public ScoredColumns(DataViewRow input, DataViewSchema output, IScoreSource? scores, Func<int, bool> isActive)
    {
        this.input = input;
        this.scores = scores;
        scoreIndex = output[MulticlassOutputSchema.ScoreColumnName].Index;
        predictedIndex = output[MulticlassOutputSchema.PredictedLabelColumnName].Index;
        scoreActive = isActive(scoreIndex);
        predictedActive = isActive(predictedIndex);
    }

    public bool IsActive(DataViewSchema.Column column) =>
        column.Index == scoreIndex ? scoreActive
        : column.Index == predictedIndex ? predictedActive
        : input.IsColumnActive(input.Schema[column.Index]);

    public ValueGetter<T> GetGetter<T>(DataViewSchema.Column column)
    {
        if (column.Index == scoreIndex && scoreActive)
            return Cast<T, VBuffer<float>>(column, GetScore);
        if (column.Index == predictedIndex && predictedActive)
            return Cast<T, uint>(column, GetPredictedLabel);
        if (column.Index < input.Schema.Count && column.Index != scoreIndex && column.Index != predictedIndex)
            return input.GetGetter<T>(input.Schema[column.Index]);
        throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor.");
    }

    private void GetScore(ref VBuffer<float> value)
    {
        ReadOnlySpan<float> probabilities = scores!.Current();
        var editor = VBufferEditor.Create(ref value, probabilities.Length);
        probabilities.CopyTo(editor.Values);
        value = editor.Commit();
    }

    /// <summary>The most probable class as a 1-based key (the first one on ties, like argmax).</summary>
    private void GetPredictedLabel(ref uint value)
    {
        ReadOnlySpan<float> probabilities = scores!.Current();
        int best = 0;
        for (int i = 1; i < probabilities.Length; i++)
        {
            if (probabilities[i] > probabilities[best])
                best = i;
        }
        value = (uint)best + 1;
    }

    private static ValueGetter<T> Cast<T, TActual>(DataViewSchema.Column column, ValueGetter<TActual> getter) =>
        getter as ValueGetter<T> ?? throw new InvalidOperationException(
            $"Column '{column.Name}' is of type {column.Type}; it cannot be read as {typeof(T).Name}.");
}
