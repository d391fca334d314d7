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
}
