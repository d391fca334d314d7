namespace MLStability;

/// <summary>What training does when a step produces a non-finite loss or gradient, or a loss spike.</summary>
public enum InstabilityPolicy
{
    /// <summary>Throw a <see cref="TrainingDivergedException"/> that carries the training report.</summary>
    Stop,
    /// <summary>Skip the optimizer step (the weights stay as they were) and continue.</summary>
    SkipStep,
    /// <summary>
    /// Restore the last good weights and optimizer state, multiply the learning rate by
    /// <see cref="DeepNetworkOptions.RollbackLearningRateFactor"/>, tighten clipping, and continue.
    /// </summary>
    Rollback,
}
