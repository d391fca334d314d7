using MLStability.Networks;

namespace MLStability;

/// <summary>
/// Hook points of the training loop, for pieces that watch or steer training without living inside the loop
/// (gradient monitoring, tests that count tensors). Default implementations do nothing.
/// </summary>
internal interface ITrainingObserver
{
    /// <summary>After backward and before clipping and the optimizer step; gradients are raw.</summary>
    void OnGradientsComputed(MlpNetwork network, long step) { }

    /// <summary>After each epoch, once its progress is known.</summary>
    void OnEpochEnd(MlpNetwork network, EpochProgress progress) { }
}
