namespace MLStability.Onnx;

/// <summary>
/// Writes a trained classifier as a self-contained ONNX model: input features [N, D] float; outputs the score
/// [N, K] (softmax probabilities) and the predicted class [N], as its value (of the type the caller's class-value
/// initializer has) or as its index, plus metadata.
/// </summary>
internal static class ClassifierOnnxExporter
{
    /// <summary>Serializes <paramref name="model"/> to ONNX bytes.</summary>
    /// <param name="model">The trained classifier.</param>
    /// <param name="names">Names of the graph's input and outputs.</param>
    /// <param name="addClassValues">Adds the 1-D class-value initializer (in class order) and returns its name and element type.</param>
    /// <param name="metadata">Key-value pairs stored as model metadata.</param>
    public static byte[] Export(TrainedClassifier model, OnnxClassifierNames names,
        Func<OnnxGraphBuilder, (string Name, OnnxType Type)> addClassValues, IReadOnlyDictionary<string, string> metadata)
    {
        return NetworkOnnxExporter.Export(model, names.Features, "StableDeepClassifier", metadata, (graph, logits) =>
        {
            graph.Node("Softmax", new[] { logits }, names.Score, OnnxAttribute.Int("axis", 1));
            string index = graph.Node("ArgMax", new[] { names.Score }, OnnxAttribute.Int("axis", 1), OnnxAttribute.Int("keepdims", 0));
            graph.Output(names.Score, OnnxType.Float, null, model.ClassCount);
            AddPrediction(graph, names, index, addClassValues);
        }, rowOutputs: names.RowOutputs);
    }

    private static void AddPrediction(OnnxGraphBuilder graph, OnnxClassifierNames names, string index,
        Func<OnnxGraphBuilder, (string Name, OnnxType Type)> addClassValues)
    {
        if (names.PredictClassIndex)
        {
            graph.Node("Identity", new[] { index }, names.Predicted);
            graph.Output(names.Predicted, OnnxType.Int64, (long?)null);
        }
        else
        {
            var (classValues, classType) = addClassValues(graph);
            graph.Node("Gather", new[] { classValues, index }, names.Predicted, OnnxAttribute.Int("axis", 0));
            graph.Output(names.Predicted, classType, (long?)null);
        }
    }
}

/// <summary>The input and output names of an exported classifier graph.</summary>
/// <param name="Features">Input: [N, D] float features.</param>
/// <param name="Score">Output: [N, K] class probabilities.</param>
/// <param name="Predicted">Output: [N] the most probable class's value (or its 0-based index).</param>
/// <param name="PredictClassIndex">Output the class index (int64) instead of the class value.</param>
/// <param name="RowOutputs">Declare Score per row ([K]), for OnnxTransformer (see <see cref="OnnxGraphBuilder.RowOutputs"/>).</param>
internal sealed record OnnxClassifierNames(string Features, string Score, string Predicted, bool PredictClassIndex = false, bool RowOutputs = false);
