namespace MLStability;

/// <summary>
/// How the learning rate evolves after the linear warmup of <see cref="DeepNetworkOptions.WarmupSteps"/> optimizer steps.
/// In the formulas, t counts optimizer steps after warmup and T is the number of steps after warmup.
/// </summary>
public enum LearningRateScheduleKind
{
    /// <summary>lr.</summary>
    Constant,
    /// <summary>lr * gamma^floor(t / s), with gamma = <see cref="DeepNetworkOptions.LearningRateDecay"/> and s = <see cref="DeepNetworkOptions.LearningRateDecaySteps"/>.</summary>
    Step,
    /// <summary>lr * gamma^(t / s): the same decay as <see cref="Step"/>, applied smoothly.</summary>
    Exponential,
    /// <summary>Linear from lr to <see cref="DeepNetworkOptions.MinimumLearningRate"/> at the last step.</summary>
    Linear,
    /// <summary>min + (lr - min) * (1 + cos(pi * t / T)) / 2 (Loshchilov and Hutter).</summary>
    Cosine,
    /// <summary>
    /// One-cycle (Smith and Topin 2018, as PyTorch's OneCycleLR with its defaults): over the first 30% of the run's
    /// steps the rate rises from lr / 25 to lr along a half cosine, then falls along a half cosine to lr / 25 / 1e4, far
    /// below the start; WarmupSteps is not used (the rise is the warmup). Momentum (SGD's, Adam's beta1) cycles the other
    /// way, 0.95 to 0.85 and back.
    /// </summary>
    OneCycle,
    /// <summary>
    /// lr (after warmup), multiplied by gamma = <see cref="DeepNetworkOptions.LearningRateDecay"/> whenever the
    /// validation loss has not improved (by a relative 1e-4) for more than <see cref="DeepNetworkOptions.PlateauPatience"/>
    /// epochs, as PyTorch's ReduceLROnPlateau; never below <see cref="DeepNetworkOptions.MinimumLearningRate"/>. Needs
    /// ValidationFraction &gt; 0.
    /// </summary>
    ReduceOnPlateau,
}
