using System.Reflection;

namespace MLStability.Onnx;

/// <summary>
/// Writes a trained network as a self-contained ONNX model: the input features [N, D] float, the network's inference
/// graph, and the outputs a caller builds on the network's raw output (class probabilities, a regression value,
/// a probability...), plus metadata.
/// </summary>
internal static class NetworkOnnxExporter
{
    /// <param name="model">The trained network.</param>
    /// <param name="featureName">The graph input's name.</param>
    /// <param name="graphName">The graph's name.</param>
    /// <param name="metadata">Key-value pairs stored as model metadata.</param>
    /// <param name="addOutputs">Adds the output nodes and declares the outputs, given the network output's name.</param>
    /// <param name="rowOutputs">Declare [N, K] outputs per row (see <see cref="OnnxGraphBuilder.RowOutputs"/>), for OnnxTransformer.</param>
    public static byte[] Export(TrainedNetwork model, string featureName, string graphName,
        IReadOnlyDictionary<string, string> metadata, Action<OnnxGraphBuilder, string> addOutputs, bool rowOutputs = false) =>
        ExportGraph(model, featureName, graphName, metadata, (graph, network, input) => addOutputs(graph, network.ExportOnnx(graph, input)), rowOutputs);

    /// <summary>Declares the input, then lets <paramref name="addGraph"/> add every node and output.</summary>
    private static byte[] ExportGraph(TrainedNetwork model, string featureName, string graphName, IReadOnlyDictionary<string, string> metadata,
        Action<OnnxGraphBuilder, Networks.DeepNetwork, string> addGraph, bool rowOutputs)
    {
        var graph = new OnnxGraphBuilder { RowOutputs = rowOutputs };
        graph.Input(featureName, OnnxType.Float, null, model.FeatureCount);
        addGraph(graph, model.Network, model.Scaling.Features?.ExportOnnx(graph, featureName) ?? featureName);
        string version = typeof(NetworkOnnxExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        return graph.Build(graphName, version, metadata);
    }

    /// <summary>Regression: output <paramref name="score"/> [N, 1], the network's value.</summary>
    public static byte[] ExportRegressor(TrainedNetwork model, string featureName, string score, IReadOnlyDictionary<string, string> metadata,
        bool rowOutputs = false) =>
        Export(model, featureName, "StableDeepRegressor", metadata, (graph, output) =>
        {
            graph.Node("Identity", new[] { model.Scaling.Targets?.ExportInverseOnnx(graph, output) ?? output }, score);
            graph.Output(score, OnnxType.Float, null, 1);
        }, rowOutputs);

    /// <summary>
    /// Binary classification: outputs <paramref name="score"/> (the logit), <paramref name="probability"/> (its
    /// sigmoid) and <paramref name="predicted"/> (logit &gt; 0, boolean), each [N, 1].
    /// </summary>
    public static byte[] ExportBinary(TrainedNetwork model, string featureName, string score, string probability, string predicted,
        IReadOnlyDictionary<string, string> metadata, bool rowOutputs = false) =>
        Export(model, featureName, "StableDeepBinaryClassifier", metadata, (graph, logit) =>
        {
            graph.Node("Identity", new[] { logit }, score);
            graph.Node("Sigmoid", new[] { logit }, probability);
            graph.Node("Greater", new[] { logit, graph.Initializer("zero", new[] { 0f }) }, predicted);
            graph.Output(score, OnnxType.Float, null, 1);
            graph.Output(probability, OnnxType.Float, null, 1);
            graph.Output(predicted, OnnxType.Bool, null, 1);
        }, rowOutputs);

    /// <summary>Transfer learning: output <paramref name="embedding"/> [N, E], the network's input to its head.</summary>
    public static byte[] ExportEmbedding(TrainedNetwork model, string featureName, string embedding, IReadOnlyDictionary<string, string> metadata,
        bool rowOutputs = false) =>
        ExportGraph(model, featureName, "StableDeepFeaturizer", metadata, (graph, network, input) =>
        {
            graph.Node("Identity", new[] { network.ExportEmbeddingOnnx(graph, input) }, embedding);
            graph.Output(embedding, OnnxType.Float, null, network.EmbeddingSize);
        }, rowOutputs);

    /// <summary>Autoencoder: outputs <paramref name="embedding"/> [N, E] and <paramref name="error"/> [N, 1], the mean squared reconstruction error.</summary>
    public static byte[] ExportAutoencoder(TrainedAutoencoder model, string featureName, string embedding, string error,
        IReadOnlyDictionary<string, string> metadata, bool rowOutputs = false) =>
        ExportGraph(model, featureName, "StableDeepAutoencoder", metadata, (graph, network, input) =>
        {
            var (code, reconstructionError) = model.Autoencoder.ExportWithErrorOnnx(graph, input);
            graph.Node("Identity", new[] { code }, embedding);
            graph.Node("Identity", new[] { reconstructionError }, error);
            graph.Output(embedding, OnnxType.Float, null, model.EmbeddingSize);
            graph.Output(error, OnnxType.Float, null, 1);
        }, rowOutputs);
}
