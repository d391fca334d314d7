using Microsoft.ML;
using Microsoft.ML.Transforms.Onnx;

namespace MLStability.Trainers;

/// <summary>
/// The OnnxTransformer step that starts every saved StableDeep chain. The graph must have been exported with row
/// outputs (<see cref="Onnx.OnnxGraphBuilder.RowOutputs"/>): OnnxTransformer runs one row at a time, and [K] outputs
/// become vectors of K, the type the in-memory model produces ([N, K] outputs would become 1 x K matrices).
/// </summary>
internal static class OnnxStep
{
    /// <param name="ml">The context the chain is built in.</param>
    /// <param name="onnxModel">The exported network.</param>
    /// <param name="featureColumn">The graph's input and the feature column.</param>
    /// <param name="outputs">The graph outputs to keep as columns.</param>
    public static OnnxScoringEstimator Apply(MLContext ml, byte[] onnxModel, string featureColumn, params string[] outputs) =>
        ml.Transforms.ApplyOnnxModel(outputs, new[] { featureColumn }, new MemoryStream(onnxModel, writable: false));
}
