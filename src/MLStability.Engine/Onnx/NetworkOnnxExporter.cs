using System.Reflection;

namespace MLStability.Onnx;

/// <summary>
/// Writes a trained network as a self-contained ONNX model: the input features [N, D] float, the network's inference
/// graph, and the outputs a caller builds on the network's raw output (class probabilities, a regression value,
/// a probability...), plus metadata.
/// </summary>
internal static class NetworkOnnxExporter
{
    /// <param name="model">The trained network; it must implement <see cref="IOnnxExportable"/>.</param>
    /// <param name="featureName">The graph input's name.</param>
    /// <param name="graphName">The graph's name.</param>
    /// <param name="metadata">Key-value pairs stored as model metadata.</param>
    /// <param name="addOutputs">Adds the output nodes and declares the outputs, given the network output's name.</param>
    public static byte[] Export(TrainedNetwork model, string featureName, string graphName,
        IReadOnlyDictionary<string, string> metadata, Action<OnnxGraphBuilder, string> addOutputs)
    {
        if (model.Network is not IOnnxExportable network)
            throw new NotSupportedException($"{model.Network.GetType().Name} cannot be exported to ONNX.");
        var graph = new OnnxGraphBuilder();
        graph.Input(featureName, OnnxType.Float, null, model.FeatureCount);
        addOutputs(graph, network.ExportOnnx(graph, featureName));
        string version = typeof(NetworkOnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        return graph.Build(graphName, version, metadata);
    }

    /// <summary>Regression: output <paramref name="score"/> [N, 1], the network's value.</summary>
    public static byte[] ExportRegressor(TrainedNetwork model, string featureName, string score, IReadOnlyDictionary<string, string> metadata) =>
        Export(model, featureName, "StableDeepRegressor", metadata, (graph, output) =>
        {
            graph.Node("Identity", new[] { output }, score);
            graph.Output(score, OnnxType.Float, null, 1);
        });

    /// <summary>
    /// Binary classification: outputs <paramref name="score"/> (the logit), <paramref name="probability"/> (its
    /// sigmoid) and <paramref name="predicted"/> (logit &gt; 0, boolean), each [N, 1].
    /// </summary>
    public static byte[] ExportBinary(TrainedNetwork model, string featureName, string score, string probability, string predicted,
        IReadOnlyDictionary<string, string> metadata) =>
        Export(model, featureName, "StableDeepBinaryClassifier", metadata, (graph, logit) =>
        {
            graph.Node("Identity", new[] { logit }, score);
            graph.Node("Sigmoid", new[] { logit }, probability);
            graph.Node("Greater", new[] { logit, graph.Initializer("zero", new[] { 0f }) }, predicted);
            graph.Output(score, OnnxType.Float, null, 1);
            graph.Output(probability, OnnxType.Float, null, 1);
            graph.Output(predicted, OnnxType.Bool, null, 1);
        });
}
