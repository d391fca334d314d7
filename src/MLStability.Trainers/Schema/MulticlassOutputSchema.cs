using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// Builds the output schema of a multiclass scorer the way ML.NET's own trainers do: the input columns, then
/// <c>Score</c> (vector of class probabilities with SlotNames) and <c>PredictedLabel</c> (key with KeyValues),
/// both carrying the ScoreColumnKind / ScoreValueKind / ScoreColumnSetId annotations.
/// </summary>
internal sealed class MulticlassOutputSchema(ClassLabels classes) : PredictionColumns
{
    public const string ScoreColumnName = "Score";
    public const string PredictedLabelColumnName = "PredictedLabel";

    public override int Count => 2;

    /// <summary>Score: the probabilities; PredictedLabel: the most probable class as a 1-based key (the first on ties, like argmax).</summary>
    public override Delegate CreateGetter(int offset, Func<ReadOnlyMemory<float>> outputs) => offset == 0
        ? VectorGetter(outputs, 0, classes.Count)
        : (ValueGetter<uint>)((ref uint value) =>
        {
            ReadOnlySpan<float> probabilities = outputs().Span;
            int best = 0;
            for (int i = 1; i < probabilities.Length; i++)
            {
                if (probabilities[i] > probabilities[best])
                    best = i;
            }
            value = (uint)best + 1;
        });

    public override DataViewSchema Build(DataViewSchema input)
    {
        uint setId = ScoreAnnotations.NextSetId(input);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);

        var score = ScoreAnnotations.Create("MulticlassClassification", setId, "Score");
        var names = classes.Names.Select(n => n.AsMemory()).ToArray();
        score.Add("SlotNames", new VectorDataViewType(TextDataViewType.Instance, classes.Count),
            (ref VBuffer<ReadOnlyMemory<char>> value) => new VBuffer<ReadOnlyMemory<char>>(names.Length, names).CopyTo(ref value));
        classes.AddKeyValues(score, "TrainingLabelValues");
        builder.AddColumn(ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, classes.Count), score.ToAnnotations());

        var predicted = ScoreAnnotations.Create("MulticlassClassification", setId, "PredictedLabel");
        classes.AddKeyValues(predicted, "KeyValues");
        builder.AddColumn(PredictedLabelColumnName, new KeyDataViewType(typeof(uint), classes.Count), predicted.ToAnnotations());
        return builder.ToSchema();
    }
}
