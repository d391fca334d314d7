using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MLStability.Tests.Trainers;

/// <summary>The standalone ONNX export, run with ONNX Runtime directly and compared with TorchSharp.</summary>
[TestClass]
public sealed class OnnxExportTests
{
    private static readonly MLContext Ml = new(seed: 1);

    private static (StableDeepTransformer Model, IDataView Data) Fit(StableDeepOptions options)
    {
        var data = TestData.Blobs(Ml, rows: 120);
        return (Ml.MulticlassClassification.Trainers.StableDeep(options).Fit(data), data);
    }

    private static StableDeepOptions Options(ActivationKind activation, NormalizationKind normalization, bool residual) => new()
    {
        HiddenLayerSizes = new[] { 16, 16, 8 }, Activation = activation, Normalization = normalization,
        ResidualConnections = residual, Dropout = 0.3f, Epochs = 2, BatchSize = 16, Seed = 2, Device = SmallOptions.Device, WarmupSteps = 4,
        NormalizationGroups = 2, // groups of 4 or more units: a group of 1 or 2 amplifies rounding differences
    };

    public static IEnumerable<object[]> Architectures()
    {
        foreach (var activation in Enum.GetValues<ActivationKind>())
            yield return new object[] { activation, NormalizationKind.LayerNorm, true };
        foreach (var normalization in Enum.GetValues<NormalizationKind>())
        {
            yield return new object[] { ActivationKind.Tanh, normalization, false };
            yield return new object[] { ActivationKind.ReLU, normalization, true };
        }
    }

    [TestMethod]
    [DynamicData(nameof(Architectures))]
    public void OnnxRuntimeReproducesTorchSharpScores(ActivationKind activation, NormalizationKind normalization, bool residual) =>
        AssertOnnxRuntimeMatches(Options(activation, normalization, residual));

    [TestMethod]
    [DataRow(NormalizationKind.LayerNorm)]
    [DataRow(NormalizationKind.BatchNorm)]
    public void PreNormAndReZeroBlocksExportFaithfully(NormalizationKind normalization)
    {
        var options = Options(ActivationKind.ReLU, normalization, residual: true);
        options.PreNormalization = true;
        options.ReZero = true;
        AssertOnnxRuntimeMatches(options);
    }

    [TestMethod]
    [DataRow(0.05f)]
    [DataRow(2f)] // high frequencies: several periods across the data, where any difference in the angles would show
    public void PeriodicNumericEmbeddingExportsFaithfully(float scale)
    {
        var options = Options(ActivationKind.ReLU, NormalizationKind.LayerNorm, residual: true);
        options.NumericEmbedding = NumericEmbeddingKind.Periodic;
        options.PeriodicEmbeddingScale = scale;
        options.PeriodicEmbeddingFrequencies = 3;
        options.PeriodicEmbeddingWidth = 5;
        AssertOnnxRuntimeMatches(options);
    }

    /// <summary>The 8 blob features as 2 x 2 x 2 images or as 4 steps of 2 features: small, but every path of the graph.</summary>
    public static IEnumerable<object[]> ConvolutionalAndRecurrentNetworks()
    {
        foreach (var normalization in Enum.GetValues<NormalizationKind>())
        {
            yield return new object[] { $"ResNet {normalization}", Image(o => o.Normalization = normalization) };
            yield return new object[] { $"pre-norm ReZero ResNet {normalization}", Image(o => { o.Normalization = normalization; o.PreNormalization = true; o.ReZero = true; }) };
        }
        yield return new object[] { "plain ResNet, Tanh", Image(o => { o.ResidualConnections = false; o.Activation = ActivationKind.Tanh; }) };
        yield return new object[] { "ResNet, zero-initialized last norm", Image(o => o.ZeroInitLastNormalization = true) };
        foreach (var cell in Enum.GetValues<RecurrentCellKind>())
        {
            yield return new object[] { $"{cell}", Sequence(o => o.RecurrentCell = cell) };
            yield return new object[] { $"2-layer bidirectional {cell}, mean pooling", Sequence(o => { o.RecurrentCell = cell; o.RecurrentLayers = 2; o.Bidirectional = true; o.SequencePooling = SequencePoolingKind.Mean; }) };
        }
        yield return new object[] { "bidirectional LSTM, last-step pooling, pre-norm ReZero", Sequence(o => { o.Bidirectional = true; o.RecurrentLayers = 2; o.PreNormalization = true; o.ReZero = true; }) };
        yield return new object[] { "LSTM without normalization", Sequence(o => o.Normalization = NormalizationKind.None) };
        yield return new object[] { "2-layer GRU, RMS normalization", Sequence(o => { o.RecurrentCell = RecurrentCellKind.GRU; o.RecurrentLayers = 2; o.Normalization = NormalizationKind.RmsNorm; }) };
    }

    private static StableDeepOptions Image(Action<StableDeepOptions> change)
    {
        var options = Options(ActivationKind.ReLU, NormalizationKind.BatchNorm, residual: true);
        options.Network = NetworkKind.ResNet;
        options.InputShape = new[] { 2, 2, 2 };
        options.ResNetChannels = new[] { 4, 8 };
        options.ResNetBlocksPerStage = 2;
        change(options);
        return options;
    }

    private static StableDeepOptions Sequence(Action<StableDeepOptions> change)
    {
        var options = Options(ActivationKind.ReLU, NormalizationKind.LayerNorm, residual: true);
        options.Network = NetworkKind.Recurrent;
        options.InputShape = new[] { 4, 2 };
        options.RecurrentHiddenSize = 6;
        change(options);
        return options;
    }

    /// <summary>
    /// Transformers over the 8 blob features as 8 tokens (FT-Transformer) or as 4 steps of 2 features: every
    /// normalization placement, ReZero, no normalization, no shortcuts, and dropout that scoring must leave out.
    /// </summary>
    public static IEnumerable<object[]> Transformers()
    {
        foreach (var placement in Enum.GetValues<NormalizationPlacement>())
        {
            yield return new object[] { $"{placement} Transformer over feature tokens", Transformer(o => o.NormalizationPlacement = placement) };
            yield return new object[] { $"{placement} Transformer over steps", Transformer(o => { o.NormalizationPlacement = placement; o.InputShape = new[] { 4, 2 }; }) };
        }
        yield return new object[] { "RMS-normalized Transformer, GELU, attention dropout", Transformer(o => { o.Normalization = NormalizationKind.RmsNorm; o.Activation = ActivationKind.GELU; o.AttentionDropout = 0.3f; }) };
        yield return new object[] { "ReZero Transformer without normalization", Transformer(o => { o.Normalization = NormalizationKind.None; o.ReZero = true; }) };
        yield return new object[] { "Transformer without shortcuts", Transformer(o => { o.ResidualConnections = false; o.NormalizationPlacement = NormalizationPlacement.PostNorm; }) };
    }

    private static StableDeepOptions Transformer(Action<StableDeepOptions> change)
    {
        var options = Options(ActivationKind.ReLU, NormalizationKind.LayerNorm, residual: true);
        options.Network = NetworkKind.Transformer;
        options.TransformerLayers = 2;
        options.ModelWidth = 8;
        options.AttentionHeads = 2;
        options.FeedForwardWidth = 12;
        change(options);
        return options;
    }

    [TestMethod]
    [DynamicData(nameof(Transformers))]
    public void OnnxRuntimeReproducesTransformers(string network, StableDeepOptions options)
    {
        Assert.IsNotNull(network);
        AssertOnnxRuntimeMatches(options);
    }

    [TestMethod]
    [DynamicData(nameof(ConvolutionalAndRecurrentNetworks))]
    public void OnnxRuntimeReproducesConvolutionalAndRecurrentNetworks(string network, StableDeepOptions options)
    {
        Assert.IsNotNull(network);
        AssertOnnxRuntimeMatches(options);
    }

    /// <summary>
    /// With the kernel workarounds forced on (convolutions by unfold, recurrent cells by their equations, in training and
    /// scoring), ONNX Runtime still reproduces the in-memory scores: the workarounds compute the same network.
    /// </summary>
    [TestMethod]
    public void ForcedKernelWorkaroundsScoreAsOnnxRuntimeDoes()
    {
        using var safe = KernelSelfCheck.OverrideMode(KernelRoutingMode.Safe);
        var resnet = Image(o => o.Normalization = NormalizationKind.BatchNorm);
        var lstm = Sequence(o => { o.Bidirectional = true; o.RecurrentLayers = 2; });
        foreach (var options in new[] { resnet, lstm })
        {
            var (model, _) = Fit(options);
            Assert.IsTrue(model.TrainingReport.KernelRoutes.Where(r => r.Family is "Convolution" or "Recurrent inference" or "Recurrent training")
                .All(r => r.IsRouted), model.TrainingReport.ToString());
            AssertOnnxRuntimeMatches(options);
        }
    }

    /// <summary>Trains, exports, runs the ONNX model with ONNX Runtime and compares scores and predicted labels.</summary>
    private static void AssertOnnxRuntimeMatches(StableDeepOptions options)
    {
        var (model, data) = Fit(options);
        var expected = TestData.Scores(model.Transform(data));
        var features = data.GetColumn<float[]>("Features").ToArray();

        using var session = new InferenceSession(Export(model));
        var input = new DenseTensor<float>(features.SelectMany(f => f).ToArray(), new[] { features.Length, 8 });
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("Features", input) });
        var scores = results.Single(r => r.Name == "Score").AsTensor<float>();
        var predicted = results.Single(r => r.Name == "PredictedLabel").AsTensor<string>();

        for (int row = 0; row < features.Length; row++)
        {
            for (int k = 0; k < 3; k++)
                Assert.AreEqual(expected[row][k], scores[row, k], 1e-5f, $"row {row}, class {k}");
            int best = Array.IndexOf(expected[row], expected[row].Max());
            Assert.AreEqual(model.ClassNames[best], predicted[row]);
        }
    }

    [TestMethod]
    public void TheModelDescribesItselfInItsMetadata()
    {
        var (model, _) = Fit(Options(ActivationKind.GELU, NormalizationKind.BatchNorm, true));
        using var session = new InferenceSession(Export(model));
        var metadata = session.ModelMetadata.CustomMetadataMap;
        Assert.AreEqual("1", metadata[OnnxMetadata.FormatVersionKey]);
        Assert.AreEqual("[\"class0\",\"class1\",\"class2\"]", metadata[OnnxMetadata.ClassLabelsKey]);
        StringAssert.Contains(metadata[OnnxMetadata.InputKey], "\"size\":8");
        StringAssert.Contains(metadata[OnnxMetadata.TrainingSummaryKey], "\"Activation\":\"GELU\"");
        StringAssert.Contains(metadata[OnnxMetadata.TrainingSummaryKey], "\"TrainingLoss\"");
        var report = System.Text.Json.JsonDocument.Parse(metadata[OnnxMetadata.TrainingReportKey]).RootElement;
        Assert.AreEqual(model.TrainingReport.Verdict.ToString(), report.GetProperty("Verdict").GetString());
        Assert.AreEqual(2, report.GetProperty("Epochs").GetArrayLength());
        Assert.AreEqual("MLStability", session.ModelMetadata.ProducerName);
        CollectionAssert.AreEquivalent(new[] { "Features" }, session.InputMetadata.Keys.ToArray());
        CollectionAssert.AreEquivalent(new[] { "Score", "PredictedLabel" }, session.OutputMetadata.Keys.ToArray());
    }

    [TestMethod]
    public void TheModelUsesOpset17OrNewer()
    {
        var (model, _) = Fit(Options(ActivationKind.ReLU, NormalizationKind.LayerNorm, true));
        byte[] bytes = Export(model);
        // ModelProto.opset_import (field 8) holds OperatorSetIdProto { domain = "" (1), version (2) }.
        int at = Array.IndexOf(bytes, (byte)0x42); // tag of field 8, length-delimited
        while (at >= 0 && !(bytes[at + 1] == 4 && bytes[at + 2] == 0x0A && bytes[at + 3] == 0 && bytes[at + 4] == 0x10))
            at = Array.IndexOf(bytes, (byte)0x42, at + 1);
        Assert.IsTrue(at >= 0, "opset_import not found");
        Assert.IsTrue(bytes[at + 5] >= 17, $"opset {bytes[at + 5]}");
    }

    private static byte[] Export(StableDeepTransformer model)
    {
        using var stream = new MemoryStream();
        model.ExportToOnnx(stream);
        return stream.ToArray();
    }
}
