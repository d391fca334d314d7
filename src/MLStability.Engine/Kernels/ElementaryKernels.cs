using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Checks of the operations that have no workaround here (LibTorch computes them with MKL and its own vectorized
/// loops, not oneDNN): linear layers, the normalizations and the activations, each in float32 against its formula
/// in float64, forward and input gradient. A failure stops training with a <see cref="KernelFaultException"/>.
/// </summary>
internal static class ElementaryKernels
{
    private const long CheckRows = 4, CheckSide = 4;

    /// <summary>A linear layer [out, in]: output and gradients with respect to input, weight and bias.</summary>
    public static KernelError Linear(long inputs, long outputs, Generator generator) =>
        Check(generator, new[] { CheckRows, inputs },
            new[] { new[] { outputs, inputs }, new[] { outputs } }, 1 / Math.Sqrt(inputs),
            (x, p) => nn.functional.linear(x, p[0], p[1]),
            (x, p) => x.matmul(p[0].t()).Plus(p[1]));

    /// <summary>Layer normalization over the last dimension of [rows, width].</summary>
    public static KernelError LayerNorm(long width, Generator generator) =>
        Check(generator, new[] { CheckRows, width }, new[] { new[] { width }, new[] { width } }, 1,
            (x, p) => nn.functional.layer_norm(x, new[] { width }, p[0], p[1], GroupNormalization.Epsilon),
            (x, p) => Standardize(x, new long[] { 1 }) * p[0] + p[1]);

    /// <summary>Group normalization of [N, C, H, W] with per-channel scale and shift.</summary>
    public static KernelError GroupNorm(long groups, long channels, Generator generator) =>
        Check(generator, new[] { CheckRows, channels, CheckSide, CheckSide }, new[] { new[] { channels }, new[] { channels } }, 1,
            (x, p) => nn.functional.group_norm(x, groups, p[0], p[1], GroupNormalization.Epsilon),
            (x, p) =>
            {
                Tensor grouped = Standardize(x.reshape(x.shape[0], groups, -1), new long[] { 2 }).reshape(x.shape);
                return grouped * p[0].view(1, -1, 1, 1) + p[1].view(1, -1, 1, 1);
            });

    /// <summary>Batch normalization with batch statistics (training), of [N, C] rows or [N, C, H, W] images.</summary>
    public static KernelError BatchNorm(long channels, bool spatial, Generator generator)
    {
        long[] shape = spatial ? new[] { CheckRows, channels, CheckSide, CheckSide } : new[] { CheckRows, channels };
        long[] reduce = spatial ? new long[] { 0, 2, 3 } : new long[] { 0 };
        long[] broadcast = spatial ? new long[] { 1, channels, 1, 1 } : new long[] { 1, channels };
        return Check(generator, shape, new[] { new[] { channels }, new[] { channels } }, 1,
            (x, p) => nn.functional.batch_norm(x, zeros(channels), ones(channels), p[0], p[1], training: true, eps: GroupNormalization.Epsilon),
            (x, p) => Standardize(x, reduce) * p[0].view(broadcast) + p[1].view(broadcast));
    }

    /// <summary>RMS normalization of [N, C] rows (last axis) or [N, C, H, W] images (channels and positions), as built here.</summary>
    public static KernelError RmsNorm(long channels, bool spatial, Generator generator)
    {
        long[] shape = spatial ? new[] { CheckRows, channels, CheckSide, CheckSide } : new[] { CheckRows, channels };
        long[] reduce = spatial ? new long[] { 1, 2, 3 } : new long[] { 1 };
        long[] broadcast = spatial ? new long[] { 1, channels, 1, 1 } : new long[] { 1, channels };
        // The float32 side runs the operations RmsNormalization.forward runs (LibTorch's square, mean and rsqrt kernels).
        return Check(generator, shape, new[] { new[] { channels } }, 1,
            (x, p) => x * TensorOps.Squared(x).mean(reduce, keepdim: true).add(TensorOps.Constant(RmsNormalization.Epsilon), TensorOps.One).rsqrt() * p[0].view(broadcast),
            (x, p) => x / (x * x).mean(reduce, keepdim: true).add(TensorOps.Constant(RmsNormalization.Epsilon), TensorOps.One).sqrt() * p[0].view(broadcast));
    }

    /// <summary>
    /// Scaled dot-product attention as <see cref="SelfAttention"/> runs it (batched matrix products and softmax) over
    /// [rows, heads, tokens, headWidth] queries, keys and values, against softmax written out (exp and sum) in float64;
    /// <paramref name="attend"/> replaces LibTorch's kernels in tests.
    /// </summary>
    public static KernelError Attention(long heads, long tokens, long headWidth, Generator generator, Func<Tensor, Tensor, Tensor, float, Tensor>? attend = null)
    {
        attend ??= SelfAttention.Attend;
        float scale = SelfAttention.ScaleFor(headWidth);
        long[] shape = { CheckRows, heads, tokens, headWidth };
        return Check(generator, shape, new[] { shape, shape }, 1,
            (q, p) => attend(q, p[0], p[1], scale),
            (q, p) =>
            {
                Tensor scores = q.matmul(p[0].transpose(-2, -1)).mul(TensorOps.Constant(scale));
                Tensor exponentials = (scores - scores.amax(new long[] { -1 }, keepdim: true)).exp();
                return (exponentials / exponentials.sum(-1, keepdim: true)).matmul(p[1]);
            });
    }

    /// <summary>An activation function, applied elementwise.</summary>
    public static KernelError Activation(ActivationKind kind, float leakySlope, Generator generator)
    {
        using var module = Activations.Create(kind, leakySlope);
        return Check(generator, new[] { CheckRows, 64L }, Array.Empty<long[]>(), 1, (x, _) => module.forward(x), (x, _) => Formula(kind, leakySlope, x));
    }

    /// <summary>The activation's defining formula.</summary>
    private static Tensor Formula(ActivationKind kind, float leakySlope, Tensor x)
    {
        Tensor positive = x.gt(TensorOps.Constant(0));
        Tensor expMinusOne = x.exp() - ones_like(x);
        return kind switch
        {
            ActivationKind.Sigmoid => ones_like(x) / (ones_like(x) + (-x).exp()),
            ActivationKind.Tanh => x.tanh(),
            ActivationKind.ReLU => where(positive, x, zeros_like(x)),
            ActivationKind.LeakyReLU => where(positive, x, x.mul(TensorOps.Constant(leakySlope))),
            ActivationKind.ELU => where(positive, x, expMinusOne),
            // GELU in its exact (erf) form: x * Phi(x).
            ActivationKind.GELU => x * (ones_like(x) + (x.mul(TensorOps.Constant(1 / Math.Sqrt(2)))).erf()).mul(TensorOps.Constant(0.5)),
            ActivationKind.SELU => where(positive, x, expMinusOne.mul(TensorOps.Constant(1.6732632423543772)))
                .mul(TensorOps.Constant(1.0507009873554805)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown activation."),
        };
    }

    /// <summary>(x - mean) / sqrt(biased variance + eps) over <paramref name="dimensions"/>.</summary>
    private static Tensor Standardize(Tensor x, long[] dimensions)
    {
        Tensor centered = x - x.mean(dimensions, keepdim: true);
        Tensor variance = (centered * centered).mean(dimensions, keepdim: true);
        return centered / variance.add(TensorOps.Constant(GroupNormalization.Epsilon), TensorOps.One).sqrt();
    }

    /// <summary>
    /// Runs <paramref name="library"/> in float32 and <paramref name="formula"/> in float64 on the same random input
    /// and parameters; returns the largest relative error of the output and of the gradients of
    /// sum(output * upstream) with respect to the input and the parameters.
    /// </summary>
    private static KernelError Check(Generator generator, long[] inputShape, long[][] parameterShapes, double parameterScale,
        Func<Tensor, Tensor[], Tensor> library, Func<Tensor, Tensor[], Tensor> formula)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        Tensor input = KernelComparison.Normal(generator, 1, inputShape);
        Tensor[] parameters = parameterShapes.Select(s => KernelComparison.Normal(generator, parameterScale, s)).ToArray();

        var (expected, expectedGradients) = Run(formula, input, parameters, shape => KernelComparison.Normal(generator, 1, shape));
        Tensor upstream = expectedGradients[^1];
        var input32 = input.to(ScalarType.Float32);
        var parameters32 = parameters.Select(p => p.to(ScalarType.Float32)).ToArray();
        var (actual, actualGradients) = Run(library, input32, parameters32, _ => upstream.to(ScalarType.Float32));
        var (formulaOutput, formulaGradients) = Run(formula, input32, parameters32, _ => upstream.to(ScalarType.Float32));
        IEnumerable<(Tensor, Tensor)> Pairs(Tensor output, Tensor[] gradients) =>
            gradients.SkipLast(1).Zip(expectedGradients.SkipLast(1)).Prepend((output, expected));
        return KernelComparison.Judge(Pairs(actual, actualGradients), Pairs(formulaOutput, formulaGradients));
    }

    /// <summary>
    /// The output of <paramref name="compute"/>, then the gradients of sum(output * upstream) with respect to the input
    /// and the parameters, followed by the upstream weights that <paramref name="upstreamFor"/> made for the output's shape.
    /// </summary>
    private static (Tensor Output, Tensor[] Gradients) Run(Func<Tensor, Tensor[], Tensor> compute, Tensor input, Tensor[] parameters,
        Func<long[], Tensor> upstreamFor)
    {
        Tensor x = input.detach().requires_grad_(true);
        Tensor[] p = parameters.Select(t => t.detach().requires_grad_(true)).ToArray();
        Tensor output = compute(x, p);
        Tensor upstream = upstreamFor(output.shape);
        var gradients = autograd.grad(new[] { (output * upstream).sum() }, p.Prepend(x).ToArray());
        return (output.detach(), gradients.Append(upstream).ToArray());
    }
}
