using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// The output of ML.NET's calibrated binary classifiers, from the network's one output (a logit): <c>Score</c> (the
/// logit), <c>Probability</c> (its sigmoid, the model's probability of true) and <c>PredictedLabel</c> (logit &gt; 0).
/// </summary>
internal sealed class BinaryOutputSchema : PredictionColumns
{
    public const string ProbabilityColumnName = "Probability";
    private const string Kind = "BinaryClassification";

    public override int Count => 3;

    public override DataViewSchema Build(DataViewSchema input)
    {
        uint setId = ScoreAnnotations.NextSetId(input);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(input);
        builder.AddColumn(MulticlassOutputSchema.ScoreColumnName, NumberDataViewType.Single,
            ScoreAnnotations.Create(Kind, setId, "Score").ToAnnotations());
        var probability = ScoreAnnotations.Create(Kind, setId, "Probability");
        probability.Add("IsNormalized", BooleanDataViewType.Instance, (ref bool value) => value = true);
        builder.AddColumn(ProbabilityColumnName, NumberDataViewType.Single, probability.ToAnnotations());
        builder.AddColumn(MulticlassOutputSchema.PredictedLabelColumnName, BooleanDataViewType.Instance,
            ScoreAnnotations.Create(Kind, setId, "PredictedLabel").ToAnnotations());
        return builder.ToSchema();
    }

    public override Delegate CreateGetter(int offset, Func<ReadOnlyMemory<float>> outputs) => offset switch
    {
        0 => ScalarGetter(outputs, 0),
        1 => (ValueGetter<float>)((ref float value) => value = Sigmoid(outputs().Span[0])),
        _ => (ValueGetter<bool>)((ref bool value) => value = outputs().Span[0] > 0),
    };

    /// <summary>The logistic function, computed so that it neither overflows nor loses precision for large |x|.</summary>
    internal static float Sigmoid(float logit) =>
        logit >= 0 ? 1f / (1f + MathF.Exp(-logit)) : MathF.Exp(logit) / (1f + MathF.Exp(logit));
}
