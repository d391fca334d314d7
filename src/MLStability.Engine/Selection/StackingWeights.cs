using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Fits how a linear model's and an MLP's outputs combine: output = a · linear + b · network + c, with a, b ≥ 0 and
/// c one offset per output, minimizing the training objective on out-of-fold outputs (stacked generalization,
/// Wolpert 1992; non-negative weights as in Breiman's "Stacked Regressions", 1996). On small tables an MLP often ranks
/// the rows better than a linear model while being overconfident; b below 1 keeps its ranking and tempers its
/// confidence, and a > 0 adds the linear model's view. a = 0 or b = 0 is the plain choice of one model.
/// </summary>
internal static class StackingWeights
{
    /// <summary>Adam steps of the fit: the problem is convex in its 2 + K parameters, and the rows are few.</summary>
    private const int Steps = 500;

    /// <summary>Adam's first rate, decayed linearly to zero so that the last steps settle on the optimum.</summary>
    private const double LearningRate = 0.05;

    /// <summary>Fits the weights on out-of-fold <paramref name="linear"/> and <paramref name="network"/> outputs [N, K].</summary>
    /// <param name="linear">The linear model's out-of-fold outputs.</param>
    /// <param name="network">The MLP's out-of-fold outputs, the same rows.</param>
    /// <param name="targets">The rows' targets as the objective takes them (class indices, or scaled values).</param>
    /// <param name="objective">The training objective, whose loss is minimized.</param>
    /// <returns>The weights, the offsets per output and the fitted loss per row.</returns>
    public static (double Linear, double Network, float[] Offsets, double Loss) Fit(Tensor linear, Tensor network, Tensor targets,
        TrainingObjective objective)
    {
        using var scope = torch.NewDisposeScope();
        using var enableGrad = torch.enable_grad();
        var weights = new TorchSharp.Modules.Parameter(torch.tensor(new[] { 0.5f, 0.5f }));
        var offsets = new TorchSharp.Modules.Parameter(torch.zeros(linear.shape[1]));
        using var optimizer = torch.optim.Adam(new[] { weights, offsets }, lr: LearningRate);
        Tensor Combined() => weights[0] * linear + weights[1] * network + offsets;
        for (int step = 0; step < Steps; step++)
        {
            using var stepScope = torch.NewDisposeScope();
            foreach (var group in optimizer.ParamGroups)
                group.LearningRate = LearningRate * (1 - (double)step / Steps);
            optimizer.zero_grad();
            objective.Loss(Combined(), targets).backward();
            optimizer.step();
            using (torch.no_grad())
                weights.clamp_(min: 0);
        }
        using var noGrad = torch.no_grad();
        double loss = objective.Loss(Combined(), targets).item<float>();
        float[] w = weights.data<float>().ToArray();
        return (w[0], w[1], offsets.data<float>().ToArray(), loss);
    }
}
