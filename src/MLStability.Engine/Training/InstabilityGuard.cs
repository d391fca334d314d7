using System.Globalization;
using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Detects unstable steps (non-finite loss or gradient, loss spikes) and applies
/// <see cref="DeepNetworkOptions.OnInstability"/>: stop, skip the step, or roll back to the last good weights and
/// optimizer state with a lower learning rate (and, after non-finite values, tighter clipping). Gives up after
/// <see cref="DeepNetworkOptions.MaxRecoveries"/> recoveries.
/// </summary>
/// <remarks>
/// A loss spike is judged against robust statistics, so that the noise of small batches near convergence never counts:
/// the step's loss must exceed <see cref="DeepNetworkOptions.LossSpikeFactor"/> times the median of the last
/// <see cref="LossSpikeDetector.WindowSize"/> accepted losses, lie above that median by a tenth of the run's initial loss level (a
/// loss of 0.04 against a median of 0.003 is no spike when training started at 2.3) and exceed every loss of that
/// window, and this must hold for <see cref="LossSpikeDetector.SpikeEvidenceSteps"/> steps in a row. Near convergence the batch losses are
/// heavy-tailed: a batch that holds one of the few rows the model still gets wrong can cost ten times the median, and
/// such batches recur; the window keeps them (a suspicious loss joins it once its streak ends unconfirmed), so only
/// losses that beat everything recent, step after step, as in a divergence, count. In a healthy run whose losses
/// fluctuate around a level, a loss beats the 64 before it about once in 65 steps, and three in a row almost never.
/// The learning-rate cut of a spike rollback is temporary: it is undone step by step after every
/// 2 x RollbackSnapshotSteps healthy steps. Non-finite values are never noise: their rollbacks cut the rate and tighten
/// clipping for good.
/// </remarks>
internal sealed class InstabilityGuard : IDisposable
{
    private const float RollbackClippingThreshold = 1f;

    /// <summary>Consecutive spiking steps before a spike is an instability.</summary>
    public const int SpikeEvidenceSteps = LossSpikeDetector.SpikeEvidenceSteps;

    private readonly DeepNetworkOptions options;
    private readonly DeepNetwork network;
    private readonly ParameterOptimizer optimizer;
    private readonly List<InstabilityEvent> events = new();
    private ModuleState? weights;
    private OptimizerSnapshot? optimizerState;
    private long snapshotStep;
    private readonly LossSpikeDetector spikes;
    private long healthySteps;
    private double permanentScale = 1, spikeScale = 1;
    private int recoveries;

    public InstabilityGuard(DeepNetworkOptions options, DeepNetwork network, ParameterOptimizer optimizer)
    {
        this.options = options;
        this.network = network;
        this.optimizer = optimizer;
        Clipper = GradientClipper.Create(options, network);
        spikes = new LossSpikeDetector(options.LossSpikeFactor);
        Snapshot(0);
    }

    /// <summary>Multiplies the scheduled learning rate; lowered by each rollback (for spikes, until training is healthy again).</summary>
    public double LearningRateScale => permanentScale * spikeScale;

    /// <summary>The clipper in force; rollbacks tighten it.</summary>
    public GradientClipper? Clipper { get; private set; }

    public IReadOnlyList<InstabilityEvent> Events => events;

    /// <summary>Checks a step's loss before backward.</summary>
    public InstabilityKind? CheckLoss(double loss)
    {
        if (!double.IsFinite(loss))
            return InstabilityKind.NonFiniteLoss;
        return spikes.ConfirmsSpike(loss) ? InstabilityKind.LossSpike : null;
    }

    /// <summary>The median of the recent accepted losses, the reference for spikes (NaN before the first step).</summary>
    public double RecentMedian => spikes.RecentMedian;

    /// <summary>
    /// Clips the gradients and checks them, at the least cost that still catches every non-finite gradient:
    /// global-norm clipping measures the norm anyway (one native call measures and scales); SkipStep needs to know
    /// before the update, so it measures; otherwise (Stop, Rollback) the gradients are not measured, because a
    /// non-finite gradient makes the weights non-finite, which the next step's loss and every snapshot check reveal.
    /// Returns the pre-clip global norm, or NaN when it was not measured.
    /// </summary>
    public (InstabilityKind? Kind, double Norm) ClipAndCheckGradients()
    {
        // Value clipping would turn an infinite gradient into a finite one: SkipStep measures before clipping.
        bool measureFirst = options.OnInstability == InstabilityPolicy.SkipStep && Clipper is not { Kind: GradientClippingKind.GlobalNorm };
        double? norm = measureFirst ? GradientClipper.GlobalNorm(optimizer.Parameters) : null;
        if (norm is double measured && !double.IsFinite(measured))
            return (InstabilityKind.NonFiniteGradient, measured);
        double? clipped = Clipper?.Clip(optimizer.Parameters);
        norm ??= clipped;
        return norm is double value && !double.IsFinite(value)
            ? (InstabilityKind.NonFiniteGradient, value)
            : (null, norm ?? double.NaN);
    }

    /// <summary>
    /// Records an accepted step and takes a snapshot every RollbackSnapshotSteps steps. Returns false when the
    /// weights turned out non-finite at a snapshot (an unmeasured non-finite gradient): the caller handles it.
    /// </summary>
    public bool Accept(long step, double loss)
    {
        spikes.Accept(loss);
        RecoverLearningRate();
        if (options.OnInstability != InstabilityPolicy.Rollback || step % options.RollbackSnapshotSteps != 0)
            return true;
        if (!WeightsAreFinite())
            return false;
        Snapshot(step);
        return true;
    }

    /// <summary>Whether every network parameter and buffer is finite.</summary>
    public bool WeightsAreFinite() => ModuleState.IsFinite(network);

    /// <summary>
    /// Applies the policy to an unstable step. Returns normally when training can go on (the step is dropped);
    /// throws when the policy is Stop or the recoveries are used up (<paramref name="fail"/> builds the exception).
    /// </summary>
    public void Handle(InstabilityKind kind, int epoch, long step, double loss, double gradientNorm,
        Func<string, Exception> fail)
    {
        string numbers = $"loss {F(loss)}, recent median {F(RecentMedian)}, gradient norm {F(gradientNorm)}";
        if (options.OnInstability == InstabilityPolicy.Stop)
        {
            events.Add(new InstabilityEvent(epoch, step, kind, InstabilityPolicy.Stop, numbers));
            throw fail(Describe(kind, loss));
        }
        if (++recoveries > options.MaxRecoveries)
        {
            events.Add(new InstabilityEvent(epoch, step, kind, InstabilityPolicy.Stop, numbers + $"; gave up after {options.MaxRecoveries} recoveries"));
            throw fail($"{Describe(kind, loss)}, and {options.MaxRecoveries} recoveries (OnInstability = {options.OnInstability}) did not help");
        }
        optimizer.ZeroGrad();
        if (options.OnInstability == InstabilityPolicy.SkipStep)
        {
            events.Add(new InstabilityEvent(epoch, step, kind, InstabilityPolicy.SkipStep, numbers + "; step skipped"));
            return;
        }
        RollBack(kind);
        events.Add(new InstabilityEvent(epoch, step, kind, InstabilityPolicy.Rollback, numbers +
            $"; restored the weights of step {snapshotStep}, learning-rate scale {F(LearningRateScale)}, " +
            $"clipping {Clipper!.Kind} {F(Clipper.Threshold)}"));
    }

    /// <summary>Writes the guard's state (scales, clipping, running loss, events, rollback snapshot) into a checkpoint.</summary>
    public void Capture(CheckpointFile checkpoint)
    {
        checkpoint.Set("guard.lr_scale", permanentScale);
        checkpoint.Set("guard.spike_scale", spikeScale);
        checkpoint.Set("guard.healthy", healthySteps);
        spikes.Capture(checkpoint);
        checkpoint.Set("guard.clipping", Clipper?.Kind ?? GradientClippingKind.None);
        checkpoint.Set("guard.threshold", Clipper?.Threshold ?? 0f);
        checkpoint.Set("guard.recoveries", recoveries);
        checkpoint.Set("guard.events", events);
        checkpoint.Set("guard.snapshot_step", snapshotStep);
        checkpoint.Set("guard.has_snapshot", weights != null);
        weights?.WriteTo(checkpoint, "guard.weights.");
        optimizerState?.WriteTo(checkpoint, "guard.opt.");
    }

    /// <summary>Restores what <see cref="Capture"/> wrote.</summary>
    public void Restore(CheckpointFile checkpoint)
    {
        permanentScale = checkpoint.Get<double>("guard.lr_scale");
        spikeScale = checkpoint.Get<double>("guard.spike_scale");
        healthySteps = checkpoint.Get<long>("guard.healthy");
        spikes.Restore(checkpoint);
        Clipper = GradientClipper.Create(checkpoint.Get<GradientClippingKind>("guard.clipping"), checkpoint.Get<float>("guard.threshold"), network);
        recoveries = checkpoint.Get<int>("guard.recoveries");
        events.Clear();
        events.AddRange(checkpoint.Get<List<InstabilityEvent>>("guard.events"));
        snapshotStep = checkpoint.Get<long>("guard.snapshot_step");
        DisposeSnapshot();
        if (checkpoint.Get<bool>("guard.has_snapshot"))
        {
            weights = ModuleState.ReadFrom(checkpoint, "guard.weights.");
            optimizerState = OptimizerSnapshot.ReadFrom(checkpoint, "guard.opt.");
        }
    }

    private void RollBack(InstabilityKind kind)
    {
        weights!.CopyInto(network);
        optimizer.Restore(optimizerState!);
        healthySteps = 0;
        if (kind == InstabilityKind.LossSpike)
        {
            spikeScale *= options.RollbackLearningRateFactor;
            return;
        }
        permanentScale *= options.RollbackLearningRateFactor;
        Clipper = Clipper is null
            ? GradientClipper.Create(GradientClippingKind.GlobalNorm, RollbackClippingThreshold)
            : GradientClipper.Create(Clipper.Kind, Clipper.Threshold / 2, network);
    }

    /// <summary>After each 2 x RollbackSnapshotSteps healthy steps, undoes one spike rollback's learning-rate cut.</summary>
    private void RecoverLearningRate()
    {
        if (spikeScale >= 1 || spikes.Suspicious)
            return;
        if (++healthySteps < 2L * options.RollbackSnapshotSteps)
            return;
        healthySteps = 0;
        spikeScale = Math.Min(1, spikeScale / options.RollbackLearningRateFactor);
    }

    private void Snapshot(long step)
    {
        if (options.OnInstability != InstabilityPolicy.Rollback)
            return;
        DisposeSnapshot();
        weights = ModuleState.Capture(network);
        optimizerState = optimizer.Snapshot();
        snapshotStep = step;
    }

    private static string Describe(InstabilityKind kind, double loss) => kind switch
    {
        InstabilityKind.NonFiniteLoss => $"the loss became {F(loss)}",
        InstabilityKind.NonFiniteGradient => "the gradients became non-finite",
        _ => $"the loss spiked to {F(loss)}",
    };

    private static string F(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private void DisposeSnapshot()
    {
        weights?.Dispose();
        optimizerState?.Dispose();
        weights = null;
        optimizerState = null;
    }

    public void Dispose() => DisposeSnapshot();
}
