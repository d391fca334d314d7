namespace MLStability;

/// <summary>What went wrong at a step.</summary>
public enum InstabilityKind
{
    /// <summary>The loss was NaN or infinite.</summary>
    NonFiniteLoss,
    /// <summary>The global gradient norm was NaN or infinite.</summary>
    NonFiniteGradient,
    /// <summary>The loss exceeded <see cref="DeepNetworkOptions.LossSpikeFactor"/> times its running average.</summary>
    LossSpike,
}

/// <summary>One instability and what training did about it.</summary>
/// <param name="Epoch">Epoch, from 1.</param>
/// <param name="Step">Optimizer step, from 1.</param>
/// <param name="Kind">What went wrong.</param>
/// <param name="Action">What training did: the <see cref="InstabilityPolicy"/> applied.</param>
/// <param name="Detail">The numbers: loss, running average, gradient norm, and for rollbacks the new learning-rate
/// scale, clipping and the step restored to.</param>
public sealed record InstabilityEvent(int Epoch, long Step, InstabilityKind Kind, InstabilityPolicy Action, string Detail);
