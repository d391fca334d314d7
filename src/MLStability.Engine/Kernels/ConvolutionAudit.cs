using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>One training step's call of a convolution: the input alias and the output, whose gradients autograd keeps.</summary>
internal sealed record AuditedConvolution(Tensor Input, Tensor Output);

/// <summary>A convolution whose input gradient a training step's audit found wrong, and by how much (relative).</summary>
internal sealed record AuditFinding(ConvUnit Unit, double Error, string Check);

/// <summary>
/// Audits the input gradients that a network's convolutions computed in each training step on the step's real batch,
/// because a kernel that was right in the self-check can still be wrong in some calls (oneDNN's backward-data kernel
/// was wrong in 1 of 20 calls of some shapes at two threads; docs/hardware-correctness.md). Two checks:
/// <list type="bullet">
/// <item>the shadow check, in the first <see cref="ShadowSteps"/> steps of a fit: each convolution still on LibTorch's
/// kernel has its input gradient computed a second time by the <see cref="ConvolutionRoute.ForwardInputGradient"/>
/// route's forward convolution, and the two are compared over the whole batch;</item>
/// <item>the adjoint check, in the shadow steps and then every <see cref="Interval"/>-th step: a convolution without its
/// bias is linear in its input x, so its input gradient dX for the output gradient g satisfies
/// &lt;dX, x&gt; = &lt;g, y - bias&gt; row by row, where y is the output the forward pass already computed. It costs two
/// dot products per row; it runs on all rows in the shadow steps and on <see cref="SampledRows"/> rows (a different
/// block each time) later.</item>
/// </list>
/// An audited step with a finding is computed again after the convolution moved to its next route, so no gradient
/// found wrong reaches the weights. Steps between audits are not checked (auditing every step cost 10% of a ResNet
/// step in TorchSharp calls): a fault that first shows after the shadow steps trains at most until the next audit
/// that sees it. Only float32 convolutions on CPU are audited (CUDA and bfloat16 run other kernels).
/// </summary>
internal sealed class ConvolutionAudit
{
    /// <summary>Steps at the start of each fit that get the shadow check and the adjoint check on every row.</summary>
    internal const int ShadowSteps = 3;

    /// <summary>After the shadow steps, every this many steps is audited.</summary>
    internal const int Interval = 10;

    /// <summary>Rows per audited step that get the adjoint check after the shadow steps.</summary>
    internal const int SampledRows = 4;

    /// <summary>
    /// The adjoint check's bound on |&lt;dX, x&gt; - &lt;g, y - bias&gt;| relative to |dX| |x| + |g| |y - bias| (Cauchy-Schwarz
    /// bounds both products by those terms). float32 rounding measures about 1e-7 to 1e-6 of it on healthy steps;
    /// the faults seen put 0.1 to 1 of the gradient's size in error, which reads as 1e-3 or more on rows of up to
    /// 10^5 values, where random errors project onto x with a factor 1/sqrt(values).
    /// </summary>
    internal const double AdjointTolerance = 1e-4;

    private readonly ConvUnit[] units;

    private ConvolutionAudit(ConvUnit[] units) => this.units = units;

    /// <summary>An audit of <paramref name="network"/>'s convolutions, or null where there is nothing to audit.</summary>
    public static ConvolutionAudit? For(DeepNetwork network, torch.Device device, bool float32Steps)
    {
        if (device.type != DeviceType.CPU || !float32Steps || KernelSelfCheck.Mode == KernelRoutingMode.Library)
            return null;
        var units = network.modules().OfType<ConvUnit>().ToArray();
        return units.Length == 0 ? null : new ConvolutionAudit(units);
    }

    /// <summary>Whether training step <paramref name="step"/> (counted from 1) is audited.</summary>
    public static bool Audits(long step) => step <= ShadowSteps || step % Interval == 0;

    /// <summary>Starts recording the convolutions' calls if <paramref name="step"/> is audited (before each forward pass of a step).</summary>
    public void BeginStep(long step)
    {
        bool audited = Audits(step);
        foreach (var unit in units)
        {
            unit.Recording = audited;
            unit.Recorded = null;
        }
    }

    /// <summary>Stops recording and lets go of the step's tensors (they belong to the step's dispose scope).</summary>
    public void EndStep()
    {
        foreach (var unit in units)
        {
            unit.Recording = false;
            unit.Recorded = null;
        }
    }

    /// <summary>The convolutions whose input gradient in this step fails a check (after backward, before the update).</summary>
    public IReadOnlyList<AuditFinding> Findings(long step)
    {
        var findings = new List<AuditFinding>();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var unit in units)
        {
            if (unit.Recorded is not { } call || call.Input.grad is not Tensor inputGradient || call.Output.grad is not Tensor outputGradient)
                continue;
            bool shadow = step <= ShadowSteps;
            if (shadow && unit.Route == ConvolutionRoute.Library && ShadowError(unit, call, inputGradient, outputGradient) is double shadowError)
            {
                findings.Add(new AuditFinding(unit, shadowError, "shadow"));
                continue;
            }
            long rows = call.Input.shape[0];
            long count = shadow ? rows : Math.Min(SampledRows, rows);
            long start = shadow ? 0 : step / Interval * SampledRows % rows;
            count = Math.Min(count, rows - start);
            double adjoint = AdjointError(unit, call.Input.detach().narrow(0, start, count), inputGradient.narrow(0, start, count),
                call.Output.detach().narrow(0, start, count), outputGradient.narrow(0, start, count));
            if (adjoint > AdjointTolerance)
                findings.Add(new AuditFinding(unit, adjoint, "adjoint"));
        }
        return findings;
    }

    /// <summary>The relative error of LibTorch's input gradient against the forward-convolution one, or null when it passes.</summary>
    private static double? ShadowError(ConvUnit unit, AuditedConvolution call, Tensor inputGradient, Tensor outputGradient)
    {
        var shape = unit.Shape;
        Tensor expected = ConvolutionInputGradient.Compute(outputGradient, unit.Conv.weight!.detach(), shape.Stride, shape.Height, shape.Width);
        if (!expected.isfinite().all().item<bool>())
            return null; // a non-finite output gradient is the instability guard's business, not a kernel fault
        double error = KernelComparison.RelativeError(inputGradient, expected);
        return error > KernelSelfCheck.Tolerance ? error : null;
    }

    /// <summary>
    /// The largest |&lt;dX, x&gt; - &lt;g, y - bias&gt;| / (|dX| |x| + |g| |y - bias|) over the rows; infinity when a row's dX
    /// is not finite while its g and y are; rows with a non-finite g or y are skipped (the instability guard's business).
    /// </summary>
    private static double AdjointError(ConvUnit unit, Tensor input, Tensor inputGradient, Tensor output, Tensor outputGradient)
    {
        long rows = input.shape[0];
        if (unit.Conv.bias is Tensor bias)
            output = output - bias.detach().view(1, -1, 1, 1);
        // In float64, so that neither the sums nor the norms of large gradients overflow.
        Tensor Rows(Tensor t) => t.reshape(rows, -1).to(ScalarType.Float64);
        Tensor x = Rows(input), dx = Rows(inputGradient), y = Rows(output), g = Rows(outputGradient);
        Tensor values = stack(new[]
        {
            Dot(dx, x), Dot(g, y), Dot(dx, dx).sqrt() * Dot(x, x).sqrt(), Dot(g, g).sqrt() * Dot(y, y).sqrt(),
        }).cpu();
        var host = values.data<double>().ToArray();
        double worst = 0;
        for (long r = 0; r < rows; r++)
        {
            double kernel = host[r], forward = host[rows + r], kernelScale = host[2 * rows + r], forwardScale = host[3 * rows + r];
            if (!double.IsFinite(forward) || !double.IsFinite(forwardScale))
                continue;
            if (!double.IsFinite(kernel) || !double.IsFinite(kernelScale))
                return double.PositiveInfinity;
            double scale = kernelScale + forwardScale;
            if (scale > 0)
                worst = Math.Max(worst, Math.Abs(kernel - forward) / scale);
        }
        return worst;
    }

    /// <summary>Row-wise dot products of [rows, n] tensors, as [rows].</summary>
    private static Tensor Dot(Tensor a, Tensor b) => a.unsqueeze(1).bmm(b.unsqueeze(2)).view(-1);
}
