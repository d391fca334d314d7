namespace MLStability.Onnx;

/// <summary>
/// A network that can write its inference computation into an ONNX graph. Each network kind (MLP today;
/// convolutional and recurrent networks later) implements it, and <see cref="ClassifierOnnxExporter"/> wraps any of
/// them with the classifier's inputs and outputs.
/// </summary>
internal interface IOnnxExportable
{
    /// <summary>Adds the nodes that compute the network's output (logits) from <paramref name="input"/>; returns its name.</summary>
    string ExportOnnx(OnnxGraphBuilder graph, string input);
}
