using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Tests.Engine;

/// <summary>Recurrent networks: the adding problem over 100 steps, and recurrent initialization.</summary>
[TestClass]
public sealed class RecurrentNetworkTests
{
    private static DeepNetworkOptions AddingOptions(RecurrentCellKind cell) => new()
    {
        Network = NetworkKind.Recurrent, InputShape = new[] { 100, 2 }, RecurrentCell = cell, RecurrentHiddenSize = 32,
        Normalization = NormalizationKind.None, Dropout = 0, Epochs = 10, BatchSize = 50, LearningRate = 0.01f,
        WarmupSteps = 20, ValidationFraction = 0.2f, Device = SmallOptions.Device,
        StandardizeTargets = false, // validation MSE in the target's own units, comparable with the constant predictor's 0.167
    };

    /// <summary>
    /// T = 100: the GRU learns to carry the first marked value across up to 100 steps; the tanh RNN stays at the
    /// error of predicting the mean. The step gradients show why: after training, the GRU's loss gradient still
    /// reaches the first step with a tenth of its strength at the last, the RNN's has vanished by more than a million.
    /// </summary>
    [TestMethod]
    public void AGruSolvesTheAddingProblemWhereAVanillaRnnCannotAndStepGradientsShowWhy()
    {
        var data = AddingProblem.Generate(rows: 2000, steps: 100, seed: 1);
        using var gru = new NetworkTrainer(AddingOptions(RecurrentCellKind.GRU), seed: 1).Train(data);
        using var rnn = new NetworkTrainer(AddingOptions(RecurrentCellKind.Vanilla), seed: 1).Train(data);

        double gruError = gru.Report.Epochs[^1].Progress.ValidationLoss!.Value;
        double rnnError = rnn.Report.Epochs[^1].Progress.ValidationLoss!.Value;
        Assert.IsTrue(gruError < 0.05, $"GRU validation MSE {gruError:G3}");
        Assert.IsTrue(rnnError > 0.9 * AddingProblem.ConstantPredictorError, $"RNN validation MSE {rnnError:G3}");

        static double Reach(TrainedNetwork model) => model.Report.StepGradientsAtEnd![0] / model.Report.StepGradientsAtEnd[^1];
        Console.WriteLine($"validation MSE: GRU {gruError:G3}, RNN {rnnError:G3}; first/last step gradient after training: " +
                          $"GRU {Reach(gru):G3}, RNN {Reach(rnn):G3}; at the start: GRU {gru.Report.FirstToLastStepGradientRatio:G3}, RNN {rnn.Report.FirstToLastStepGradientRatio:G3}");
        Assert.AreEqual(100, gru.Report.StepGradientsAtEnd!.Count);
        Assert.IsTrue(Reach(gru) > 1e-3, $"GRU first/last step gradient {Reach(gru):G3}");
        Assert.IsTrue(Reach(rnn) < 1e-6, $"RNN first/last step gradient {Reach(rnn):G3}");
        StringAssert.Contains(rnn.Report.ToMarkdown(), "Gradient reaching the first of 100 steps");
    }

    [TestMethod]
    public void RecurrentWeightsStartOrthogonalGateByGateAndLstmForgetGatesStartOpen()
    {
        var options = new DeepNetworkOptions { Network = NetworkKind.Recurrent, InputShape = new[] { 5, 3 }, RecurrentHiddenSize = 8, Bidirectional = true };
        using var network = new RecurrentNetwork(options.InputShape, 2, options);
        var layer = network.Layers[0];
        for (int direction = 0; direction < 2; direction++)
        {
            var recurrent = layer.Weight("weight_hh", direction);
            CollectionAssert.AreEqual(new long[] { 32, 8 }, recurrent.shape);
            for (int gate = 0; gate < 4; gate++)
            {
                using var block = recurrent.narrow(0, gate * 8, 8);
                Assert.IsTrue(block.matmul(block.t()).allclose(torch.eye(8), atol: 1e-5), $"gate {gate} is not orthogonal");
            }
            var bias = layer.Weight("bias_ih", direction);
            Assert.IsTrue(bias.narrow(0, 8, 8).eq(1).all().item<bool>(), "forget gate bias 1");
            Assert.AreEqual(0f, bias.narrow(0, 0, 8).abs().sum().item<float>());
        }

        options.Initialization = InitializationKind.Default;
        using var plain = new RecurrentNetwork(options.InputShape, 2, options);
        using var defaultBlock = plain.Layers[0].Weight("weight_hh").narrow(0, 0, 8);
        Assert.IsFalse(defaultBlock.matmul(defaultBlock.t()).allclose(torch.eye(8), atol: 1e-3), "Default keeps TorchSharp's uniform init");
    }
}
