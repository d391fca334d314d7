using TorchSharp;
using static TorchSharp.torch;

namespace MLStability.Networks;

/// <summary>
/// Records statistics of an activation's output on the steps diagnostics sample: [mean, std, saturated fraction,
/// dead fraction]. Saturation applies to bounded activations (sigmoid, tanh), dead units to ReLU only: LeakyReLU, ELU,
/// GELU and SELU still pass a gradient for negative inputs, so a unit that is never positive is not dead there.
/// </summary>
internal sealed class ActivationProbe
{
    private readonly ActivationKind kind;

    public ActivationProbe(ActivationKind kind) => this.kind = kind;

    /// <summary>When true, <see cref="Record"/> computes statistics; otherwise it costs nothing.</summary>
    public bool Capture { get; set; }

    /// <summary>The last recorded statistics; they live in the dispose scope of the step that computed them.</summary>
    public Tensor? LastStatistics { get; private set; }

    /// <summary>
    /// Takes the statistics <paramref name="other"/> recorded (the bfloat16 copy's probe of the same layer, see
    /// <see cref="BFloat16Compute"/>), as float32.
    /// </summary>
    public void Adopt(ActivationProbe other)
    {
        if (other.Capture && other.LastStatistics is Tensor statistics)
            LastStatistics = statistics.to(ScalarType.Float32);
    }

    /// <summary>Records <paramref name="output"/> when capturing. A unit is dead when it is not positive for any row.</summary>
    public void Record(Tensor output)
    {
        if (!Capture)
            return;
        using var noGrad = torch.no_grad();
        Tensor y = output.detach();
        var (std, mean) = torch.std_mean(y);
        Tensor zero = torch.zeros_like(mean);
        LastStatistics = kind switch
        {
            ActivationKind.Sigmoid => torch.stack(new[] { mean, std, (y - TensorOps.Constant(0.5)).abs_().gt(TensorOps.Constant(0.49)).to_type(ScalarType.Float32).mean(), zero }),
            ActivationKind.Tanh => torch.stack(new[] { mean, std, y.abs().gt(TensorOps.Constant(0.99)).to_type(ScalarType.Float32).mean(), zero }),
            ActivationKind.ReLU => torch.stack(new[] { mean, std, zero, y.le(TensorOps.Constant(0)).all(0).to_type(ScalarType.Float32).mean() }),
            _ => torch.stack(new[] { mean, std, zero, zero }),
        };
    }
}
