namespace MLStability;

/// <summary>
/// The loss-spike rule of <see cref="InstabilityGuard"/> (see its remarks), for one training run: a step's loss spikes
/// when it exceeds <see cref="DeepNetworkOptions.LossSpikeFactor"/> times the median of the last
/// <see cref="WindowSize"/> accepted losses, lies above that median by a tenth of the run's initial loss level and beats
/// every loss of that window; <see cref="SpikeEvidenceSteps"/> such steps in a row confirm a spike. Kept apart from the
/// guard's recovery so that the packed members of an ensemble (<see cref="Ensembles.PackedTraining"/>) are judged by the
/// same rule, each on its own losses.
/// </summary>
internal sealed class LossSpikeDetector(float spikeFactor)
{
    private const int WarmupSteps = 20;

    /// <summary>Accepted losses whose median is the reference for spikes.</summary>
    public const int WindowSize = 64;

    /// <summary>Consecutive spiking steps before a spike is an instability.</summary>
    public const int SpikeEvidenceSteps = 3;

    /// <summary>A spike must exceed the median by at least this share of the initial loss level.</summary>
    private const double SpikeFloorShare = 0.1;

    private readonly Queue<double> recentLosses = new();
    private readonly List<double> suspiciousLosses = new(); // the current streak's, kept out of the window until it ends
    private double initialLevel = double.NaN;
    private int consecutiveSpikes;
    private long acceptedSteps;

    /// <summary>Whether the last checked loss looked like the start (or continuation) of a spike.</summary>
    public bool Suspicious { get; private set; }

    /// <summary>The median of the recent accepted losses, the reference for spikes (NaN before the first step).</summary>
    public double RecentMedian
    {
        get
        {
            if (recentLosses.Count == 0)
                return double.NaN;
            var sorted = recentLosses.Order().ToArray();
            return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    /// <summary>Checks a finite step loss before backward; true when it confirms a spike.</summary>
    public bool ConfirmsSpike(double loss)
    {
        Suspicious = IsSpike(loss);
        consecutiveSpikes = Suspicious ? consecutiveSpikes + 1 : 0;
        if (consecutiveSpikes < SpikeEvidenceSteps)
            return false;
        consecutiveSpikes = 0;
        suspiciousLosses.Clear(); // a confirmed spike's losses never become the reference
        return true;
    }

    /// <summary>Records the loss of an accepted step.</summary>
    public void Accept(double loss)
    {
        // A suspicious step trains, but its loss stays out of the reference until the spike is confirmed or gone.
        if (Suspicious)
        {
            suspiciousLosses.Add(loss);
        }
        else
        {
            // A streak that ended unconfirmed was noise, and noise belongs in the reference.
            foreach (double unconfirmed in suspiciousLosses)
                Remember(unconfirmed);
            suspiciousLosses.Clear();
            Remember(loss);
        }
        acceptedSteps++;
        if (acceptedSteps == WarmupSteps)
            initialLevel = RecentMedian;
    }

    /// <summary>Writes the detector's state into a checkpoint under the guard's keys.</summary>
    public void Capture(CheckpointFile checkpoint)
    {
        checkpoint.Set("guard.recent", recentLosses.ToArray());
        checkpoint.Set("guard.initial_level", initialLevel);
        checkpoint.Set("guard.consecutive_spikes", consecutiveSpikes);
        checkpoint.Set("guard.suspicious", suspiciousLosses.ToArray());
        checkpoint.Set("guard.accepted", acceptedSteps);
    }

    /// <summary>Restores what <see cref="Capture"/> wrote.</summary>
    public void Restore(CheckpointFile checkpoint)
    {
        recentLosses.Clear();
        foreach (double recent in checkpoint.Get<double[]>("guard.recent"))
            recentLosses.Enqueue(recent);
        initialLevel = checkpoint.Get<double>("guard.initial_level");
        consecutiveSpikes = checkpoint.Get<int>("guard.consecutive_spikes");
        suspiciousLosses.Clear();
        suspiciousLosses.AddRange(checkpoint.Get<double[]>("guard.suspicious"));
        acceptedSteps = checkpoint.Get<long>("guard.accepted");
    }

    private bool IsSpike(double loss)
    {
        if (spikeFactor <= 0 || acceptedSteps < WarmupSteps)
            return false;
        double median = RecentMedian;
        return loss > spikeFactor * median && loss - median > SpikeFloorShare * initialLevel && loss > recentLosses.Max();
    }

    /// <summary>Adds an accepted loss to the window of the last <see cref="WindowSize"/>.</summary>
    private void Remember(double loss)
    {
        recentLosses.Enqueue(loss);
        if (recentLosses.Count > WindowSize)
            recentLosses.Dequeue();
    }
}
