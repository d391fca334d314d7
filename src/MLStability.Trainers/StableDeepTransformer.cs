using Microsoft.ML;
using MLStability.Onnx;

namespace MLStability.Trainers;

/// <summary>
/// A fitted StableDeep classifier. <c>Transform</c> adds <c>Score</c> (class probabilities, with SlotNames) and
/// <c>PredictedLabel</c> (a key with the label's KeyValues) lazily; find it in a fitted pipeline with
/// <c>model.OfType&lt;StableDeepTransformer&gt;()</c>. <c>ExportToOnnx</c> writes <c>Score</c> ([N, K]
/// probabilities) and <c>PredictedLabel</c> ([N], the class value, typed like the label's key values), with the class
/// labels in the metadata.
/// </summary>
public sealed class StableDeepTransformer : StableDeepPredictionTransformer
{
    private readonly TrainedClassifier model;
    private readonly ClassLabels classes;

    internal StableDeepTransformer(TrainedClassifier model, StableDeepOptions options, ClassLabels classes)
        : base(model, options, new RowScorer(model.FeatureCount, model.ClassCount, model.PredictProbabilities), new MulticlassOutputSchema(classes))
    {
        this.model = model;
        this.classes = classes;
    }

    /// <summary>The class names, in the order of the Score vector's slots.</summary>
    public IReadOnlyList<string> ClassNames => classes.Names;

    private protected override byte[] ExportOnnx() => ExportOnnx(new OnnxClassifierNames(FeatureColumnName,
        MulticlassOutputSchema.ScoreColumnName, MulticlassOutputSchema.PredictedLabelColumnName));

    /// <summary>
    /// OnnxTransformer running the exported network, then MapValueToKey for PredictedLabel: a stock chain, so
    /// <c>mlContext.Model.Load</c> needs neither MLStability nor TorchSharp. Scores after loading match the in-memory
    /// model within float rounding.
    /// </summary>
    private protected override ITransformer SavedChain() => OnnxScoringChain.Build(
        ExportOnnx(new OnnxClassifierNames(FeatureColumnName, MulticlassOutputSchema.ScoreColumnName, OnnxScoringChain.PredictedIndexColumn,
            PredictClassIndex: true, RowOutputs: true)),
        FeatureColumnName, FeatureCount, classes);

    private byte[] ExportOnnx(OnnxClassifierNames names)
    {
        var metadata = Metadata();
        metadata[OnnxMetadata.ClassLabelsKey] = System.Text.Json.JsonSerializer.Serialize(ClassNames);
        return ClassifierOnnxExporter.Export(model, names, classes.AddOnnxValues, metadata);
    }
}
