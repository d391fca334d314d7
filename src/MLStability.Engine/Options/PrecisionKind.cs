namespace MLStability;

/// <summary>The number format of the training step's forward and backward passes.</summary>
public enum PrecisionKind
{
    /// <summary>Everything in float32.</summary>
    Float32,
    /// <summary>
    /// Mixed precision: the forward and backward passes run in bfloat16 (8 exponent bits like float32, so no loss scaling
    /// is needed), on a bfloat16 copy of the network refreshed from the float32 master weights before every step;
    /// gradients are cast back to float32, and clipping, the optimizer and its state, recovery, validation, the returned
    /// model and its ONNX export stay in float32. Fast on CUDA and on CPUs with AVX512_BF16 or AMX; elsewhere LibTorch
    /// emulates bfloat16 and the step is many times slower than float32 (docs/performance.md).
    /// </summary>
    BFloat16,
    /// <summary>
    /// The default: <see cref="BFloat16"/> where it was measured faster at float32's accuracy, <see cref="Float32"/>
    /// everywhere else. bfloat16 is taken for an MLP on a device with native bfloat16 (CUDA, or a CPU with AVX512_BF16 or
    /// AMX) whose training step multiplies at least <see cref="AutomaticPrecision.MinimumMultiplyAddsPerStep"/> times
    /// (batch rows x the MLP's weights), and only when the bfloat16 network passes its check against the float32 one;
    /// small tables' MLPs (the packed networks of their cross-validation included), the other families and CPUs that
    /// emulate bfloat16 train in float32.
    /// <see cref="TrainingReport.Precision"/> says which ran (docs/performance.md, "Automatic precision").
    /// </summary>
    Auto,
}
