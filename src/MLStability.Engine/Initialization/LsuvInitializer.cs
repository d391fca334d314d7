using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// LSUV (Mishkin and Matas 2015): orthonormal start, then each linear layer of an MLP, first to last (the head too),
/// rescaled until its output on a batch of training rows has variance 1 and mean 0, each within
/// <see cref="Tolerance"/>. Runs once before training, without gradients and with dropout off.
/// </summary>
internal static class LsuvInitializer
{
    /// <summary>|variance - 1| below this ends a layer's rescaling.</summary>
    public const double Tolerance = 0.1;

    /// <summary>Rescaling passes per layer at most (the paper's limit).</summary>
    public const int MaximumPasses = 10;

    /// <summary>Rows of the batch the variances are measured on.</summary>
    public const int BatchRows = 256;

    /// <summary>
    /// The data-driven part of LSUV on <paramref name="network"/>: call it after WeightInitializer gave the weights their
    /// orthonormal start, with <paramref name="batch"/> (scaled features, on the network's device).
    /// </summary>
    /// <returns>Each layer's output variance after rescaling, first to last.</returns>
    public static IReadOnlyList<double> Apply(MlpNetwork network, Tensor batch)
    {
        using var noGrad = torch.no_grad();
        using var scope = NewDisposeScope(); // the intermediate outputs; the weights are rescaled in place
        bool wasTraining = network.training;
        network.eval();
        try
        {
            // The orthonormal start is WeightInitializer's (Initialization = Lsuv): this rescales it.
            var variances = new List<double>();
            Tensor hidden = network.EmbedFeatures(batch);
            foreach (HiddenBlock block in network.Blocks)
            {
                variances.Add(Rescale(block.Linear.weight!, block.Linear.bias, () => block.LinearOutput(hidden)));
                hidden = block.forward(hidden);
            }
            Tensor embedding = network.NormalizeBeforeHead(hidden);
            variances.Add(Rescale(network.Head.weight!, network.Head.bias, () => network.Head.forward(embedding)));
            return variances;
        }
        finally
        {
            network.train(wasTraining);
        }
    }

    /// <summary>
    /// Scales the weight by 1 / std of the output and shifts the bias by -mean (as fastai's LSUV does, so that sigmoid
    /// layers, whose outputs are all positive, do not push the next layer off centre) until the output has variance 1
    /// and mean 0, each within the tolerance.
    /// </summary>
    private static double Rescale(Tensor weight, Tensor? bias, Func<Tensor> output)
    {
        double variance = double.NaN;
        for (int pass = 0; pass < MaximumPasses; pass++)
        {
            double mean;
            using (var passScope = NewDisposeScope())
            {
                Tensor values = output();
                variance = values.var().item<float>();
                mean = values.mean().item<float>();
            }
            if (!double.IsFinite(variance) || variance <= 0)
                break;
            bool centred = bias is null || Math.Abs(mean) < Tolerance;
            if (Math.Abs(variance - 1) < Tolerance && centred)
                break;
            double scale = 1 / Math.Sqrt(variance);
            weight.mul_(TensorOps.Constant(scale));
            bias?.mul_(TensorOps.Constant(scale)).sub_(TensorOps.Constant(mean * scale));
        }
        return variance;
    }
}
