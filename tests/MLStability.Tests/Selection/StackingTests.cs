using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MLStability.Networks;
using MLStability.Onnx;
using TorchSharp;

namespace MLStability.Tests.Selection;

/// <summary>
/// The automatic depth's combination of a linear model and the MLP: the stacking weights against their closed form,
/// the combined network against the weighted sum of its parts and against ONNX Runtime.
/// </summary>
[TestClass]
public sealed class StackingTests
{
    /// <summary>Two columns of "model outputs" [rows, 1] from a fixed generator.</summary>
    private static (float[] First, float[] Second) Outputs(int rows, int seed)
    {
        var random = new Random(seed);
        float Normal() => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        return (Enumerable.Range(0, rows).Select(_ => Normal()).ToArray(), Enumerable.Range(0, rows).Select(_ => Normal()).ToArray());
    }

    /// <summary>Ordinary least squares of y on [z1, z2, 1] by the normal equations (Cramer's rule on the 3 x 3 system).</summary>
    private static double[] LeastSquares(float[] z1, float[] z2, float[] y)
    {
        double[][] x = z1.Select((v, i) => new[] { (double)v, z2[i], 1.0 }).ToArray();
        var a = new double[3, 3];
        var b = new double[3];
        for (int r = 0; r < y.Length; r++)
        {
            for (int i = 0; i < 3; i++)
            {
                b[i] += x[r][i] * y[r];
                for (int j = 0; j < 3; j++)
                    a[i, j] += x[r][i] * x[r][j];
            }
        }
        double Det(double[,] m) => m[0, 0] * (m[1, 1] * m[2, 2] - m[1, 2] * m[2, 1]) - m[0, 1] * (m[1, 0] * m[2, 2] - m[1, 2] * m[2, 0])
                                   + m[0, 2] * (m[1, 0] * m[2, 1] - m[1, 1] * m[2, 0]);
        double det = Det(a);
        return Enumerable.Range(0, 3).Select(column =>
        {
            var replaced = (double[,])a.Clone();
            for (int i = 0; i < 3; i++)
                replaced[i, column] = b[i];
            return Det(replaced) / det;
        }).ToArray();
    }

    private static (double Linear, double Network, float[] Offsets, double Loss) Fit(float[] z1, float[] z2, float[] y)
    {
        using var scope = torch.NewDisposeScope();
        long[] shape = { y.Length, 1 };
        return StackingWeights.Fit(torch.tensor(z1, shape), torch.tensor(z2, shape), torch.tensor(y, shape), TrainingObjective.MeanSquaredError);
    }

    [TestMethod]
    public void OnSquaredErrorTheWeightsAreTheLeastSquaresFit()
    {
        var (z1, z2) = Outputs(400, 3);
        var noise = Outputs(400, 4).First;
        float[] y = z1.Select((v, i) => 0.3f * v + 0.6f * z2[i] + 0.1f + 0.2f * noise[i]).ToArray();
        double[] expected = LeastSquares(z1, z2, y);
        var fitted = Fit(z1, z2, y);
        Console.WriteLine($"least squares {string.Join(", ", expected.Select(e => e.ToString("F4")))}; fitted {fitted.Linear:F4}, {fitted.Network:F4}, {fitted.Offsets[0]:F4}");
        Assert.AreEqual(expected[0], fitted.Linear, 2e-3);
        Assert.AreEqual(expected[1], fitted.Network, 2e-3);
        Assert.AreEqual(expected[2], fitted.Offsets[0], 2e-3);
    }

    [TestMethod]
    public void AModelThatOnlyHurtsGetsWeightZero()
    {
        var (z1, z2) = Outputs(400, 5);
        float[] y = z1.Select((v, i) => v - 0.5f * z2[i]).ToArray(); // the second model is anti-correlated with what is left
        var fitted = Fit(z1, z2, y);
        Assert.AreEqual(0, fitted.Network, "the weights are not negative");
        Assert.AreEqual(1, fitted.Linear, 0.02);
    }

    [TestMethod]
    public void ACrossEntropyFitTempersAnOverconfidentModel()
    {
        // Logits 5x too large for the labels drawn from them: the fitted weight brings them back towards 1/5.
        var random = new Random(6);
        var (z, _) = Outputs(2000, 7);
        float[] labels = z.Select(v => random.NextDouble() < 1 / (1 + Math.Exp(-v)) ? 1f : 0f).ToArray();
        using var scope = torch.NewDisposeScope();
        long[] shape = { z.Length, 1 };
        var overconfident = z.Select(v => 5 * v).ToArray();
        var fitted = StackingWeights.Fit(torch.zeros(shape), torch.tensor(overconfident, shape), torch.tensor(labels, shape), TrainingObjective.BinaryCrossEntropy(1));
        Assert.AreEqual(0.2, fitted.Network, 0.04, $"{fitted.Network:F4}");
    }

    private const int Features = 6, Classes = 3, Rows = 7;

    /// <summary>A small embedded MLP like the automatic depth's, in inference mode, from <paramref name="seed"/>.</summary>
    private static MlpNetwork EmbeddedMlp(int seed)
    {
        torch.manual_seed(seed);
        var network = new MlpNetwork(Features, Classes, new DeepNetworkOptions
        {
            HiddenLayers = 2, HiddenSize = 8, NumericEmbedding = NumericEmbeddingKind.Periodic, PeriodicEmbeddingFrequencies = 3, PeriodicEmbeddingWidth = 4,
        });
        network.eval();
        return network;
    }

    private static float[] Input()
    {
        var random = new Random(8);
        return Enumerable.Range(0, Rows * Features).Select(_ => (float)(random.NextDouble() * 4 - 2)).ToArray();
    }

    /// <summary><paramref name="combine"/> of the networks' outputs on <paramref name="input"/>, computed before they are combined.</summary>
    private static float[] Expected(float[] input, Func<torch.Tensor, torch.Tensor> combine)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        return combine(torch.tensor(input, new long[] { Rows, Features })).data<float>().ToArray();
    }

    /// <summary>The combined network's predictions and its ONNX graph under ONNX Runtime both equal <paramref name="expected"/>.</summary>
    private static void AssertScoresAndExport(MlpNetwork network, float[] input, float[] expected)
    {
        using var model = new TrainedNetwork(network, torch.CPU, Features, Classes, new TrainingReportBuilder(new DeepNetworkOptions()).Build(Array.Empty<InstabilityEvent>()));
        var combined = new float[Rows * Classes];
        model.Predict(input, Rows, combined);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], combined[i], 1e-5f, $"row {i / Classes}, output {i % Classes}");

        byte[] onnx = NetworkOnnxExporter.Export(model, "Features", "stacked", new Dictionary<string, string>(), (graph, output) =>
        {
            graph.Node("Identity", new[] { output }, "Score");
            graph.Output("Score", OnnxType.Float, null, Classes);
        });
        using var session = new InferenceSession(onnx);
        using var results = session.Run(new[] { NamedOnnxValue.CreateFromTensor("Features", new DenseTensor<float>(input, new[] { Rows, Features })) });
        float[] exported = results.Single().AsTensor<float>().ToArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], exported[i], 1e-5f, $"ONNX row {i / Classes}, output {i % Classes}");
    }

    [TestMethod]
    public void TheCombinedNetworkIsTheWeightedSumAndExportsFaithfully()
    {
        var network = EmbeddedMlp(3);
        using var linear = new MlpNetwork(Features, Classes, new DeepNetworkOptions { HiddenLayers = 0 });
        linear.eval();
        float[] input = Input(), offsets = { 0.5f, -0.25f, 0.125f };
        float[] expected = Expected(input, x => 0.7f * linear.forward(x) + 0.4f * network.forward(x) + torch.tensor(offsets));
        network.AddLinearShortcut(linear.Head, 0.7, 0.4, offsets);
        AssertScoresAndExport(network, input, expected);
    }

    [TestMethod]
    public void TheEnsembleIsTheMeanOfItsMembersUnderTheStackingWeights()
    {
        var network = EmbeddedMlp(3);
        var others = new[] { EmbeddedMlp(4), EmbeddedMlp(5) };
        using var linear = new MlpNetwork(Features, Classes, new DeepNetworkOptions { HiddenLayers = 0 });
        linear.eval();
        float[] input = Input(), offsets = { 0.5f, -0.25f, 0.125f };
        float[] mean = Expected(input, x => (network.forward(x) + others[0].forward(x) + others[1].forward(x)) / 3);
        float[] expected = Expected(input, x => 0.7f * linear.forward(x) + 0.4f * (network.forward(x) + others[0].forward(x) + others[1].forward(x)) / 3 + torch.tensor(offsets));
        float[] first = Expected(input, network.forward);
        Assert.IsTrue(mean.Zip(first).Max(p => Math.Abs(p.First - p.Second)) > 0.01, "the members differ from the first network");

        network.AddMembers(others);
        Assert.AreEqual(3, network.MemberCount);
        CollectionAssert.AreEqual(mean.Select(v => MathF.Round(v, 4)).ToArray(), Expected(input, network.forward).Select(v => MathF.Round(v, 4)).ToArray());
        Assert.ThrowsExactly<InvalidOperationException>(() => network.AddMembers(new[] { EmbeddedMlp(6) }), "members are added once");

        network.AddLinearShortcut(linear.Head, 0.7, 0.4, offsets);
        AssertScoresAndExport(network, input, expected);
    }
}
