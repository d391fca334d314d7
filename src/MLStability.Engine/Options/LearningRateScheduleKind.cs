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
}
