using MLStability.Networks;

namespace MLStability;

/// <summary>
/// Hook points of the training loop, for pieces that watch training without living inside the loop (gradient
/// monitoring, tests that count tensors). Step hooks run inside the step's dispose scope. Default implementations
/// do nothing.
/// </summary>
internal interface ITrainingObserver
{
    /// <summary>Before the forward pass of a step.</summary>
    void OnStepStart(DeepNetwork network, long step) { }

    /// <summary>After backward and before clipping and the optimizer step; gradients are raw.</summary>
    void OnGradientsComputed(DeepNetwork network, long step) { }

    /// <summary>After the optimizer step (not called for skipped or rolled-back steps).</summary>
    void OnStepEnd(DeepNetwork network, long step) { }

    /// <summary>After each epoch, once its progress is known.</summary>
    void OnEpochEnd(DeepNetwork network, EpochProgress progress) { }

    /// <summary>After the instability guard recorded an event (and recovered from it).</summary>
    void OnInstability(DeepNetwork network, InstabilityEvent instabilityEvent) { }
}
