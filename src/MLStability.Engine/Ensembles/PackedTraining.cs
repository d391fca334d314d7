using System.Globalization;
using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Ensembles;

/// <summary>
/// Trains K prepared MLP fits (each with its own rows, scaling, seed and batches) side by side through one
/// <see cref="PackedMlp"/>: the step of <see cref="TrainingSession"/> for every member at once. What is per member in
/// a fit stays per member: its batches (the same permutations its own fit would draw), its loss (the sum of the
/// members' mean losses has each member's own gradient), its gradient-norm clipping and its loss-spike rule. The
/// optimizers and schedules are elementwise or shared by every member (same steps), so they run on the stacked tensors
/// as they would on each member's.
/// </summary>
/// <remarks>
/// The pack only trains healthy runs: recovery (rollbacks, skipped steps) belongs to <see cref="TrainingSession"/>. When
/// a member's loss or gradient turns non-finite or spikes, or when the packed network's outputs and gradients on the first
/// batch do not match each member's own (a check of the batched kernels against the ones the kernel self-check
/// approved), the pack gives up before any member is changed and the caller trains the members one by one.
/// </remarks>
internal static class PackedTraining
{
    /// <summary>The largest relative difference allowed between the packed network and a member on the first batch.</summary>
    public const double AllowedError = 1e-3;

    /// <summary>Why fits of <paramref name="options"/> cannot be packed, or null when they can.</summary>
    public static string? Unsupported(DeepNetworkOptions options) =>
        PackedMlp.Unsupported(options)
        ?? (options.Initialization == InitializationKind.Lsuv ? "Initialization = Lsuv" : null)
        ?? (options.Precision == PrecisionKind.BFloat16 ? $"Precision = {options.Precision}" : null)
        ?? (options.GradientClipping == GradientClippingKind.Adaptive ? "GradientClipping = Adaptive" : null)
        ?? (options.ValidationFraction > 0 || options.EarlyStoppingPatience > 0 ? "a validation split" : null)
        ?? (options.CheckpointDirectory is not null || options.TensorBoardDirectory is not null || options.Progress is not null
            ? "checkpoints, TensorBoard or progress reports" : null);

    /// <summary>
    /// Trains <paramref name="fits"/> (at least two, of <paramref name="options"/>, with equal steps per epoch) and
    /// copies the trained weights into their networks, in eval mode. Returns null on success, else why the pack gave
    /// up; then no network has changed.
    /// </summary>
    public static string? TryTrain(DeepNetworkOptions options, IReadOnlyList<PreparedFit> fits, IReadOnlyList<int> seeds, int batchSize)
    {
        var networks = fits.Select(f => (MlpNetwork)f.Network).ToArray();
        int count = networks.Length;
        long stepsPerEpoch = (fits[0].TrainingRows + batchSize - 1) / batchSize;
        int epochs = options.ResolveEpochs(stepsPerEpoch);
        var objective = fits[0].Objective;
        var batches = fits.Select(f => f.CreateBatches(batchSize)).ToArray();
        using var packed = new PackedMlp(networks, options);
        using var optimizer = ParameterOptimizer.Create(options, packed.parameters());
        var schedule = new LearningRateSchedule(options, stepsPerEpoch, stepsPerEpoch * epochs);
        var spikes = networks.Select(_ => new LossSpikeDetector(options.LossSpikeFactor)).ToArray();
        var parameters = optimizer.Parameters;
        try
        {
            long step = 0;
            for (int epoch = 1; epoch <= epochs; epoch++)
            {
                TorchRuntime.SeedDeviceForEpoch(seeds[0], epoch, fits[0].Device);
                packed.train();
                var epochBatches = batches.Select(b => b.Epoch(epoch, stepsPerEpoch).GetEnumerator()).ToArray();
                try
                {
                    for (long s = 0; s < stepsPerEpoch; s++)
                    {
                        // Advanced outside the step's scope: an epoch's permutation lives as long as its enumerator.
                        var next = epochBatches.Select(e => e.MoveNext() ? e.Current : throw new InvalidOperationException("A member ran out of batches.")).ToArray();
                        using var scope = torch.NewDisposeScope();
                        var rows = next.Select(b => b.Materialize()).ToArray();
                        Tensor input = StackRows(rows.Select(r => r.Features).ToArray());
                        if (step == 0 && CheckAgainstMembers(packed, input, rows, objective) is string disagreement)
                            return disagreement;
                        double learningRate = schedule.At(step);
                        step++;
                        optimizer.ZeroGrad();
                        Tensor output = packed.forward(input);
                        Tensor losses = torch.stack(rows.Select((r, k) => objective.Loss(output[k].narrow(0, 0, r.Targets.shape[0]), r.Targets)).ToArray());
                        losses.sum().backward();
                        Tensor norms = MemberGradientNorms(parameters, count);
                        var values = torch.cat(new[] { losses.detach(), norms }).cpu().data<float>().ToArray();
                        for (int k = 0; k < count; k++)
                        {
                            if (!float.IsFinite(values[k]) || !float.IsFinite(values[count + k]))
                                return $"member {k + 1}'s {(float.IsFinite(values[k]) ? "gradient" : "loss")} was not finite at step {step}";
                            if (spikes[k].ConfirmsSpike(values[k]))
                                return $"member {k + 1}'s loss spiked to {values[k].ToString("G4", CultureInfo.InvariantCulture)} at step {step}";
                        }
                        Clip(options, parameters, norms, count);
                        optimizer.MomentumOverride = schedule.MomentumAt(step - 1);
                        optimizer.Step(learningRate);
                        for (int k = 0; k < count; k++)
                            spikes[k].Accept(values[k]);
                    }
                }
                finally
                {
                    foreach (var enumerator in epochBatches)
                        enumerator.Dispose();
                }
                schedule.EndEpoch(null);
            }
            packed.Unpack();
            foreach (var network in networks)
            {
                network.eval();
                network.CaptureActivations(false);
            }
            return networks.All(ModuleState.IsFinite) ? null : "the trained weights hold non-finite values";
        }
        finally
        {
            foreach (var batch in batches)
                batch.Dispose();
        }
    }

    /// <summary>The members' rows [B_k, F] as [K, B, F], shorter batches padded with zero rows that no loss reads.</summary>
    private static Tensor StackRows(Tensor[] features)
    {
        long longest = features.Max(f => f.shape[0]);
        return torch.stack(features.Select(f => f.shape[0] == longest ? f
            : torch.cat(new[] { f, torch.zeros(longest - f.shape[0], f.shape[1], dtype: f.dtype, device: f.device) })).ToArray());
    }

    /// <summary>Each member's global L2 norm of its gradients [K]: its share of every packed gradient.</summary>
    private static Tensor MemberGradientNorms(IReadOnlyList<TorchSharp.Modules.Parameter> parameters, int count) =>
        torch.stack(parameters.Where(p => p.grad is not null).Select(p => p.grad!.reshape(count, -1).square().sum(1)).ToArray()).sum(dim: 0).sqrt();

    /// <summary>The clipping of <see cref="GradientClipper"/>, each member on its own norm.</summary>
    private static void Clip(DeepNetworkOptions options, IReadOnlyList<TorchSharp.Modules.Parameter> parameters, Tensor norms, int count)
    {
        switch (options.GradientClipping)
        {
            case GradientClippingKind.GlobalNorm:
                // LibTorch's clip_grad_norm_: scale by threshold / (norm + 1e-6), never up.
                Tensor factors = (options.ClippingThreshold / (norms + 1e-6)).clamp_max(1);
                foreach (var p in parameters.Where(p => p.grad is not null))
                    p.grad!.mul_(factors.reshape(new[] { (long)count }.Concat(Enumerable.Repeat(1L, (int)p.dim() - 1)).ToArray()));
                break;
            case GradientClippingKind.Value:
                foreach (var p in parameters.Where(p => p.grad is not null))
                    p.grad!.clamp_(-options.ClippingThreshold, options.ClippingThreshold);
                break;
        }
    }

    /// <summary>
    /// The packed network's outputs and gradients on the first batch against each member's own forward and backward
    /// (dropout off on both sides); null when they agree within <see cref="AllowedError"/>, else what differed.
    /// </summary>
    private static string? CheckAgainstMembers(PackedMlp packed, Tensor input, (Tensor Features, Tensor Targets)[] rows, TrainingObjective objective)
    {
        packed.eval();
        try
        {
            packed.zero_grad();
            Tensor output = packed.forward(input);
            torch.stack(rows.Select((r, k) => objective.Loss(output[k].narrow(0, 0, r.Targets.shape[0]), r.Targets)).ToArray()).sum().backward();
            double worst = 0;
            for (int k = 0; k < packed.Members.Count; k++)
            {
                var member = packed.Members[k];
                member.eval();
                member.zero_grad();
                Tensor own = member.forward(rows[k].Features);
                objective.Loss(own, rows[k].Targets).backward();
                worst = Math.Max(worst, KernelComparison.RelativeError(output[k].narrow(0, 0, own.shape[0]), own));
                foreach (var (slot, of) in packed.Slots)
                    worst = Math.Max(worst, KernelComparison.RelativeError(slot.grad![k], of(member).grad!));
                member.zero_grad();
            }
            packed.zero_grad();
            return worst <= AllowedError ? null
                : $"the packed network differed from its members on the first batch by {KernelSelfCheck.Format(worst)} (allowed {KernelSelfCheck.Format(AllowedError)})";
        }
        finally
        {
            packed.train();
        }
    }
}
