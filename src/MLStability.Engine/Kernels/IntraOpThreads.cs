using TorchSharp;

namespace MLStability;

/// <summary>
/// Runs kernel checks at a given number of LibTorch intra-op threads. oneDNN's faulty convolution kernels were wrong
/// every time with one thread and only in some calls with two (docs/hardware-correctness.md), so the self-check runs
/// every kernel once with one thread, where a fault cannot hide, and then repeatedly with the threads training uses.
/// </summary>
internal static class IntraOpThreads
{
    /// <summary>LibTorch's intra-op thread count on this thread now.</summary>
    public static int Current => torch.get_num_threads();

    /// <summary>Sets the intra-op thread count until the returned object is disposed, then puts the previous one back.</summary>
    public static IDisposable Use(int threads)
    {
        int previous = Current;
        if (threads != previous)
            torch.set_num_threads(threads);
        return new Restore(previous, threads != previous);
    }

    private sealed class Restore(int previous, bool changed) : IDisposable
    {
        private bool pending = changed;

        public void Dispose()
        {
            if (pending)
                torch.set_num_threads(previous);
            pending = false;
        }
    }
}
