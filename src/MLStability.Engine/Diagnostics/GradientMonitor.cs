using MLStability.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Samples per-layer gradient-health statistics every <see cref="DeepNetworkOptions.DiagnosticsInterval"/> steps:
/// gradient norm before clipping, weight norm, update-to-weight ratio, non-finite gradient fraction, activation
/// statistics. All of a sampled step's numbers come to the host in one transfer, and nothing is computed on the
/// other steps, so the cost stays a few percent of training time (see docs/performance.md).
/// </summary>
internal sealed class GradientMonitor : ITrainingObserver
{
    private const int Columns = 9; // gradient, weight, non-finite, activation x4, attention entropy (NaN: none), update ratio
    private readonly int interval;
    private double[,]? sums;
    private int samples;
    private bool sampling;
    private Tensor? pending;
    private Tensor[]? weightsBefore;

    public GradientMonitor(int interval) => this.interval = interval;

    /// <summary>The steps diagnostics sample: the first and every <paramref name="interval"/>-th (none for 0).</summary>
    public static bool Samples(long step, int interval) => interval > 0 && (step == 1 || step % interval == 0);

    public void OnStepStart(DeepNetwork network, long step)
    {
        bool wasSampling = sampling;
        sampling = Samples(step, interval);
        pending = null;
        if (sampling != wasSampling)
            network.CaptureActivations(sampling);
    }

    public void OnGradientsComputed(DeepNetwork network, long step)
    {
        if (!sampling)
            return;
        using var noGrad = torch.no_grad();
        var rows = new List<Tensor>();
        var layers = network.WatchedLayers;
        Tensor zero = torch.zeros(1, device: layers[0].Weight.device).squeeze();
        foreach (var layer in layers)
        {
            Tensor weight = layer.Weight, gradient = weight.grad ?? torch.zeros_like(weight);
            Tensor activation = layer.Probe?.LastStatistics ?? torch.zeros(4, device: weight.device);
            Tensor entropy = layer.Attention?.LastEntropy?.view(1) ?? torch.full(1, double.NaN, device: weight.device);
            // The non-finite fraction is filled in on the host: a finite norm means every value is finite.
            rows.Add(torch.cat(new[] { torch.stack(new[] { gradient.norm(), weight.norm(), zero }), activation, entropy }));
        }
        pending = torch.stack(rows);
        weightsBefore = layers.Select(l => l.Weight.detach().clone()).ToArray();
    }

    public void OnStepEnd(DeepNetwork network, long step)
    {
        if (pending is null || weightsBefore is null)
            return;
        using var noGrad = torch.no_grad();
        var watched = network.WatchedLayers;
        var updates = watched.Select((l, i) => (l.Weight - weightsBefore[i]).norm() / weightsBefore[i].norm()).ToArray();
        using var all = torch.cat(new[] { pending, torch.stack(updates).unsqueeze(1) }, 1).to(torch.CPU).to_type(ScalarType.Float64);
        double[] values = all.data<double>().ToArray();
        int layers = updates.Length;
        for (int l = 0; l < layers; l++)
        {
            if (!double.IsFinite(values[l * Columns]) && watched[l].Weight.grad is Tensor gradient)
                values[l * Columns + 2] = gradient.isfinite().logical_not().to_type(ScalarType.Float64).mean().item<double>();
        }
        sums ??= new double[layers, Columns];
        for (int l = 0; l < layers; l++)
            for (int c = 0; c < Columns; c++)
                sums[l, c] += values[l * Columns + c];
        samples++;
        pending = null;
        weightsBefore = null;
    }

    /// <summary>The epoch's per-layer averages (empty without samples); starts a new epoch.</summary>
    public (IReadOnlyList<LayerStatistics> Layers, int Samples) CompleteEpoch(DeepNetwork network)
    {
        var names = network.WatchedLayers.Select(l => l.Name).ToArray();
        if (sums is null || samples == 0)
            return (Array.Empty<LayerStatistics>(), 0);
        var result = names.Select((name, l) => new LayerStatistics(name,
            GradientNorm: sums[l, 0] / samples, WeightNorm: sums[l, 1] / samples, UpdateRatio: sums[l, 8] / samples,
            NonFiniteGradientFraction: sums[l, 2] / samples, ActivationMean: sums[l, 3] / samples,
            ActivationStd: sums[l, 4] / samples, SaturatedFraction: sums[l, 5] / samples, DeadFraction: sums[l, 6] / samples,
            AttentionEntropy: double.IsNaN(sums[l, 7]) ? null : sums[l, 7] / samples)).ToArray();
        int count = samples;
        sums = null;
        samples = 0;
        return (result, count);
    }
}
