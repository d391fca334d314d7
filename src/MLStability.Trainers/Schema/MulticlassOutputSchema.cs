using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// Builds the output schema of a multiclass scorer the way ML.NET's own trainers do: the input columns, then
/// <c>Score</c> (vector of class probabilities with SlotNames) and <c>PredictedLabel</c> (key with KeyValues),
/// both carrying the ScoreColumnKind / ScoreValueKind / ScoreColumnSetId annotations.
/// </summary>
internal static class MulticlassOutputSchema
{
    public const string ScoreColumnName = "Score";
    public const string PredictedLabelColumnName = "PredictedLabel";
    private const string ScoreColumnSetId = "ScoreColumnSetId";

    public static DataViewSchema Build(DataViewSchema input, ClassLabels classes)
    {
        uint setId = NextScoreColumnSetId(input);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);

        var score = ScoreAnnotations(setId, "Score");
        var names = classes.Names.Select(n => n.AsMemory()).ToArray();
        score.Add("SlotNames", new VectorDataViewType(TextDataViewType.Instance, classes.Count),
            (ref VBuffer<ReadOnlyMemory<char>> value) => new VBuffer<ReadOnlyMemory<char>>(names.Length, names).CopyTo(ref value));
        classes.AddKeyValues(score, "TrainingLabelValues");
        builder.AddColumn(ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, classes.Count), score.ToAnnotations());

        var predicted = ScoreAnnotations(setId, "PredictedLabel");
        classes.AddKeyValues(predicted, "KeyValues");
        builder.AddColumn(PredictedLabelColumnName, new KeyDataViewType(typeof(uint), classes.Count), predicted.ToAnnotations());
        return builder.ToSchema();
    }

    private static DataViewSchema.Annotations.Builder ScoreAnnotations(uint setId, string valueKind)
    {
        var builder = new DataViewSchema.Annotations.Builder();
        AddText(builder, "ScoreColumnKind", "MulticlassClassification");
        AddText(builder, "ScoreValueKind", valueKind);
        builder.Add(ScoreColumnSetId, new KeyDataViewType(typeof(uint), int.MaxValue), (ref uint value) => value = setId);
        return builder;
    }

    private static void AddText(DataViewSchema.Annotations.Builder builder, string name, string text) =>
        builder.Add(name, TextDataViewType.Instance, (ref ReadOnlyMemory<char> value) => value = text.AsMemory());

    /// <summary>One more than the largest score-column set id already in the input, as ML.NET numbers scorer outputs.</summary>
    private static uint NextScoreColumnSetId(DataViewSchema input)
    {
        uint max = 0;
        foreach (var column in input)
        {
            if (column.Annotations.Schema.GetColumnOrNull(ScoreColumnSetId) is { Type: KeyDataViewType { RawType: var raw } } && raw == typeof(uint))
            {
                uint id = 0;
                column.Annotations.GetValue(ScoreColumnSetId, ref id);
                max = Math.Max(max, id);
            }
        }
        return max + 1;
    }
}
