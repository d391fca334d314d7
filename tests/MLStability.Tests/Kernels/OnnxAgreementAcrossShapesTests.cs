using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLStability.Networks;
using MLStability.Onnx;
using TorchSharp;

namespace MLStability.Tests.Kernels;

/// <summary>
/// In-memory scores (TorchSharp, after the kernel self-check) against ONNX Runtime for every network family across the
/// sizes where LibTorch's oneDNN kernels were seen to fail on AVX-512 processors: recurrent hidden sizes 1 to 256 and
/// convolution channel counts 1 to 64. ONNX Runtime is the independent reference; the bar is 1e-5 on probabilities.
/// </summary>
[TestClass]
public sealed class OnnxAgreementAcrossShapesTests
{
    private const int Rows = 5, Classes = 3;

    private static readonly int[] HiddenSizes = { 1, 2, 3, 5, 6, 7, 8, 10, 12, 15, 16, 20, 24, 31, 32, 33, 48, 50, 64, 100, 127, 128, 200, 256 };

    private static readonly int[] ChannelCounts = { 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 15, 16, 24, 31, 32, 48, 64 };

    [TestMethod]
    [DataRow(RecurrentCellKind.LSTM, false)]
    [DataRow(RecurrentCellKind.LSTM, true)]
    [DataRow(RecurrentCellKind.GRU, false)]
    [DataRow(RecurrentCellKind.Vanilla, true)]
    public void RecurrentNetworksAgreeWithOnnxRuntimeForHiddenSizes1To256(RecurrentCellKind cell, bool bidirectional)
    {
        foreach (int hidden in HiddenSizes)
        {
            var options = new DeepNetworkOptions
            {
                Network = NetworkKind.Recurrent, InputShape = new[] { 4, 2 }, RecurrentCell = cell, RecurrentHiddenSize = hidden,
                Bidirectional = bidirectional, Dropout = 0,
            };
            AssertAgreement(options, 8, $"{cell} H = {hidden}{(bidirectional ? ", bidirectional" : "")}");
        }
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(3)]
    public void ResNetsAgreeWithOnnxRuntimeForChannelCounts1To64(int inputChannels)
    {
        foreach (int channels in ChannelCounts)
        {
            var options = new DeepNetworkOptions
            {
                Network = NetworkKind.ResNet, InputShape = new[] { inputChannels, 6, 6 }, ResNetChannels = new[] { channels, channels },
                Normalization = NormalizationKind.BatchNorm, Dropout = 0,
            };
            AssertAgreement(options, inputChannels * 36, $"{inputChannels} -> {channels} channels");
        }
    }

    private static void AssertAgreement(DeepNetworkOptions options, int featureCount, string what)
    {
        var network = NetworkFactory.Create(featureCount, Classes, options);
        KernelSelfCheck.Prepare(network, options, torch.CPU, Rows, null);
        network.eval();
        using var model = new TrainedClassifier(network, torch.CPU, featureCount, Classes, new TrainingReportBuilder(options).Build(Array.Empty<InstabilityEvent>()));
        var random = new Random(featureCount + options.RecurrentHiddenSize + options.ResNetChannels[0]);
        float[] features = Enumerable.Range(0, Rows * featureCount).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var expected = new float[Rows * Classes];
        model.PredictProbabilities(features, Rows, expected);

        byte[] onnx = NetworkOnnxExporter.Export(model, "Features", "agreement", new Dictionary<string, string>(), (graph, logits) =>
        {
            graph.Node("Softmax", new[] { logits }, "Score", OnnxAttribute.Int("axis", 1));
            graph.Output("Score", OnnxType.Float, null, Classes);
        });
        using var session = new InferenceSession(onnx);
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("Features", new DenseTensor<float>(features, new[] { Rows, featureCount })) });
        float[] actual = results.Single().AsTensor<float>().ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-5f, $"{what}: row {i / Classes}, class {i % Classes}");
    }
}
