using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>The output of ML.NET's regression trainers: <c>Score</c>, a Single, from the network's one output.</summary>
internal sealed class RegressionOutputSchema : PredictionColumns
{
    public override int Count => 1;

    public override DataViewSchema Build(DataViewSchema input)
    {
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        var score = ScoreAnnotations.Create("Regression", ScoreAnnotations.NextSetId(input), "Score");
        builder.AddColumn(MulticlassOutputSchema.ScoreColumnName, NumberDataViewType.Single, score.ToAnnotations());
        return builder.ToSchema();
    }

    public override Delegate CreateGetter(int offset, Func<ReadOnlyMemory<float>> outputs) => ScalarGetter(outputs, 0);
}
