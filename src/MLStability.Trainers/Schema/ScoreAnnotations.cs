using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// The annotations ML.NET's scorers put on their output columns: ScoreColumnKind (the task), ScoreValueKind (which
/// output: Score, Probability, PredictedLabel) and ScoreColumnSetId (which scorer produced the columns).
/// </summary>
internal static class ScoreAnnotations
{
    private const string SetIdName = "ScoreColumnSetId";

    public static DataViewSchema.Annotations.Builder Create(string columnKind, uint setId, string valueKind)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        AddText(builder, "ScoreColumnKind", columnKind);
        AddText(builder, "ScoreValueKind", valueKind);
        builder.Add(SetIdName, new KeyDataViewType(typeof(uint), int.MaxValue), (ref uint value) => value = setId);
        return builder;
    }

    public static void AddText(DataViewSchema.Annotations.Builder builder, string name, string text) =>
        builder.Add(name, TextDataViewType.Instance, (ref ReadOnlyMemory<char> value) => value = text.AsMemory());

    /// <summary>One more than the largest score-column set id already in the input, as ML.NET numbers scorer outputs.</summary>
    public static uint NextSetId(DataViewSchema input)
    {
        uint max = 0;
        foreach (var column in input)
        {
            if (column.Annotations.Schema.GetColumnOrNull(SetIdName) is { Type: KeyDataViewType { RawType: var raw } } && raw == typeof(uint))
            {
                uint id = 0;
                column.Annotations.GetValue(SetIdName, ref id);
                max = Math.Max(max, id);
            }
        }
        return max + 1;
    }
}
