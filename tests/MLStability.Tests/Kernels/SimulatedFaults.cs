using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MLStability.Tests.Kernels;

/// <summary>
/// Stand-ins for LibTorch's kernels that are wrong the way oneDNN's were on an AMD EPYC Zen 5 (the measured catalog in
/// docs/hardware-correctness.md), put in LibTorch's place with <see cref="LibTorchKernels.Replace"/>, so that the
/// self-check, the training-step audit and the routes are tested on any CPU. Wrong calls are drawn from a seeded
/// generator: a test sees the same faults on every run.
/// </summary>
internal static class SimulatedFaults
{
    /// <summary>The environment variable that makes the whole test run behave as on the Zen 5 ("zen5"; see <see cref="TestRunSetup"/>).</summary>
    public const string Variable = "MLSTABILITY_TEST_SIMULATED_FAULTS";

    /// <summary>LSTM hidden sizes whose inference kernel was wrong on the Zen 5 (sizes 20, 32, 64, 128, 256 were right).</summary>
    public static readonly int[] WrongLstmHiddenSizes = { 1, 3, 6, 8, 12, 16, 33, 48, 100, 200 };

    /// <summary>
    /// The Zen 5 convolution fault: the input gradient of a 3x3 convolution with 8 or fewer output channels is wrong
    /// (forward and weight gradient right) in every call with one intra-op thread, and in 1 of
    /// <paramref name="oneIn"/> calls with more; every third wrong gradient is NaN. Batches of one row are right.
    /// </summary>
    public static IDisposable SmallOutputConvolutions(int seed = 1, int oneIn = 20)
    {
        var random = new Random(seed);
        return LibTorchKernels.Replace((input, weight, bias, stride) =>
        {
            bool affected = weight.shape[0] <= 8 && weight.shape[2] == 3 && input.shape[0] > 1;
            bool wrong = affected && (IntraOpThreads.Current == 1 || random.Next(oneIn) == 0);
            return Convolve(input, weight, bias, stride, wrong ? random.Next(3) == 0 ? Corruption.NaN : Corruption.Mirrored : Corruption.None);
        }, null);
    }

    /// <summary>
    /// A fault that appears later: the input gradient of every convolution is right in the first
    /// <paramref name="rightCalls"/> calls that compute one, then wrong in 1 of <paramref name="oneIn"/>, at any thread count.
    /// </summary>
    public static IDisposable LaterInSomeCalls(int rightCalls, int oneIn, int seed = 1)
    {
        var random = new Random(seed);
        int calls = 0;
        return LibTorchKernels.Replace((input, weight, bias, stride) =>
        {
            bool computesGradient = input.requires_grad && torch.is_grad_enabled();
            bool wrong = computesGradient && ++calls > rightCalls && random.Next(oneIn) == 0;
            return Convolve(input, weight, bias, stride, wrong ? Corruption.Mirrored : Corruption.None);
        }, null);
    }

    /// <summary>
    /// A fault of the real shapes only: the input gradient is wrong in every call on batches of at least
    /// <paramref name="batch"/> images of at least <paramref name="side"/> x <paramref name="side"/>, right on the
    /// small images a check at a fixed size would use.
    /// </summary>
    public static IDisposable AtLeast(long batch, long side) => LibTorchKernels.Replace((input, weight, bias, stride) =>
        Convolve(input, weight, bias, stride, weight.shape[2] == 3 && input.shape[0] >= batch && input.shape[2] >= side ? Corruption.Mirrored : Corruption.None), null);

    /// <summary>LibTorch's forward convolution wrong too (no route but im2col is right): outputs off by 10%.</summary>
    public static IDisposable WrongForward() => LibTorchKernels.Replace((input, weight, bias, stride) =>
        RightConvolution(input, weight, bias, stride).mul(1.1f), null);

    /// <summary>
    /// The Zen 5 LSTM fault: without autograd, LSTMs of the catalog's hidden sizes are off by 0.3 (deterministic);
    /// with <paramref name="withAutogradToo"/>, with autograd on as well (a fault the Zen 5 did not have: no oneDNN route left).
    /// </summary>
    public static IDisposable LstmInference(bool withAutogradToo = false) => LibTorchKernels.Replace(null, (cell, input) =>
    {
        Tensor output = LibTorchKernels.DirectRecurrent(cell, input);
        bool wrong = cell is LSTM && (withAutogradToo || !torch.is_grad_enabled())
            && WrongLstmHiddenSizes.Contains((int)output.shape[2] / (cell is LSTM l && IsBidirectional(l) ? 2 : 1));
        return wrong ? output.add(0.3f) : output;
    });

    /// <summary>The whole Zen 5 catalog: small-output convolutions and LSTM inference.</summary>
    public static IDisposable Zen5(int seed = 1)
    {
        var convolutions = SmallOutputConvolutions(seed);
        var lstm = LstmInference();
        return new Both(lstm, convolutions);
    }

    private enum Corruption { None, Mirrored, NaN }

    /// <summary>A right convolution whose input gradient is then <paramref name="corruption"/> (forward and weight gradient right).</summary>
    private static Tensor Convolve(Tensor input, Tensor weight, Tensor? bias, long stride, Corruption corruption)
    {
        if (corruption == Corruption.None || !input.requires_grad || !torch.is_grad_enabled())
            return RightConvolution(input, weight, bias, stride);
        return RightConvolution(CorruptGradient.apply(input, corruption == Corruption.NaN), weight, bias, stride);
    }

    /// <summary>
    /// The stand-ins' right convolution on any CPU, the real Zen 5 included: LibTorch's output and weight gradient, and
    /// the input gradient as a forward convolution (the kernels that were right there). Its inner calls come back
    /// through the stand-in without an input gradient to compute, which leaves them to LibTorch.
    /// </summary>
    private static Tensor RightConvolution(Tensor input, Tensor weight, Tensor? bias, long stride) =>
        input.requires_grad && torch.is_grad_enabled()
            ? ForwardInputGradientFunction.Convolve(input, weight, bias, stride)
            : LibTorchKernels.DirectConvolution(input, weight, bias, stride);

    private static bool IsBidirectional(LSTM lstm) => lstm.named_parameters().Any(p => p.name.EndsWith("_reverse", StringComparison.Ordinal));

    /// <summary>Identity forward; the gradient comes back mirrored in space and half as large again (about 1 relative off), or NaN.</summary>
    private sealed class CorruptGradient : torch.autograd.SingleTensorFunction<CorruptGradient>
    {
        public override string Name => nameof(CorruptGradient);

        public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
        {
            ctx.save_data("nan", vars[1]);
            var input = (Tensor)vars[0];
            return input.view(input.shape);
        }

        public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor gradient)
        {
            Tensor wrong = (bool)ctx.get_data("nan") ? torch.full_like(gradient, float.NaN) : gradient + gradient.flip(2, 3).mul(1.5f);
            return new List<Tensor> { wrong, null! };
        }
    }

    private sealed class Both(IDisposable first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            first.Dispose();
            second.Dispose();
        }
    }
}
