using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Tests.Engine;

/// <summary>Our optimizers keep their Scalars alive; these tests prove they compute exactly PyTorch's updates.</summary>
[TestClass]
public sealed class OptimizerTests
{
    private const double LearningRate = 0.05, WeightDecay = 0.01;

    [TestMethod]
    [DataRow(OptimizerKind.Sgd, false)]
    [DataRow(OptimizerKind.Momentum, false)]
    [DataRow(OptimizerKind.Momentum, true)]
    [DataRow(OptimizerKind.Adam, false)]
    [DataRow(OptimizerKind.AdamW, false)]
    [DataRow(OptimizerKind.RmsProp, false)]
    public void MatchesTorchSharpStepByStep(OptimizerKind kind, bool nesterov)
    {
        torch.random.manual_seed(6);
        using var start = torch.randn(4, 3);
        using var x = torch.randn(16, 3);
        using var y = torch.randn(16, 4);
        var ours = new Parameter(start.clone());
        var theirs = new Parameter(start.clone());
        var options = new DeepNetworkOptions { Optimizer = kind, WeightDecay = (float)WeightDecay, Momentum = 0.9f, Nesterov = nesterov };
        var optimizer = ParameterOptimizer.Create(options, new[] { ours });
        using var reference = Reference(kind, nesterov, theirs);

        for (int step = 0; step < 6; step++)
        {
            optimizer.ZeroGrad();
            Loss(ours, x, y).backward();
            optimizer.Step(LearningRate);

            reference.zero_grad();
            Loss(theirs, x, y).backward();
            reference.step();
        }
        Assert.IsFalse(ours.allclose(start), "the optimizer should move the parameter");
        Assert.IsTrue(ours.allclose(theirs, rtol: 1e-5, atol: 1e-6),
            $"{kind}: max difference {(ours - theirs).abs().max().item<float>()}");
    }

    private static Tensor Loss(Tensor weight, Tensor x, Tensor y) => (x.matmul(weight.t()) - y).pow(2).mean();

    private static optim.Optimizer Reference(OptimizerKind kind, bool nesterov, Parameter parameter)
    {
        var parameters = new[] { parameter };
        return kind switch
        {
            OptimizerKind.Sgd => optim.SGD(parameters, LearningRate, weight_decay: WeightDecay),
            OptimizerKind.Momentum => optim.SGD(parameters, LearningRate, momentum: 0.9, weight_decay: WeightDecay, nesterov: nesterov),
            OptimizerKind.Adam => optim.Adam(parameters, LearningRate, weight_decay: WeightDecay),
            OptimizerKind.AdamW => optim.AdamW(parameters, LearningRate, weight_decay: WeightDecay),
            OptimizerKind.RmsProp => optim.RMSProp(parameters, LearningRate, weight_decay: WeightDecay, momentum: 0.9),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}
