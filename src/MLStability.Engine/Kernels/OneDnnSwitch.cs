using System.Runtime.InteropServices;

namespace MLStability;

/// <summary>
/// Turns LibTorch's use of oneDNN off around a call, as PyTorch's <c>torch.backends.mkldnn.enabled = False</c> does
/// (<c>at::globalContext().setUserEnabledMkldnn(false)</c>, exported by libtorch_cpu; TorchSharp has no wrapper).
/// LibTorch then runs its own native kernels, which were right on every processor where oneDNN's were wrong
/// (docs/hardware-correctness.md). The flag is process-wide: while any caller holds it off it stays off, and
/// LibTorch kernels on other threads run their native versions meanwhile, which is slower for large convolutions
/// but never wrong. Where the symbols cannot be found (another platform's name mangling, a LibTorch without them)
/// <see cref="IsAvailable"/> is false and the routes that need the switch are not offered.
/// </summary>
internal static class OneDnnSwitch
{
    private const string Library = "libtorch_cpu";
    private static readonly object Gate = new();
    private static readonly Lazy<IntPtr> Context = new(FindContext);
    private static int holders;

    /// <summary>True when LibTorch's global context and its oneDNN flag could be reached.</summary>
    public static bool IsAvailable => Context.Value != IntPtr.Zero;

    /// <summary>Holds oneDNN off until the returned object is disposed; nested and concurrent holders are counted.</summary>
    public static IDisposable Off()
    {
        if (!IsAvailable)
            throw new InvalidOperationException("LibTorch's oneDNN switch is not available in this process.");
        lock (Gate)
        {
            if (holders++ == 0)
                SetUserEnabledMkldnn(Context.Value, false);
        }
        return new Holder();
    }

    /// <summary>Whether LibTorch uses oneDNN now (tests).</summary>
    internal static bool IsOneDnnEnabled => UserEnabledMkldnn(Context.Value);

    private static void Release()
    {
        lock (Gate)
        {
            if (--holders == 0)
                SetUserEnabledMkldnn(Context.Value, true);
        }
    }

    private static IntPtr FindContext()
    {
        try
        {
            TorchRuntime.EnsureLoaded();
            IntPtr context = GlobalContext();
            // Read the flag once so that a missing symbol shows here, not inside a training step.
            return context != IntPtr.Zero && UserEnabledMkldnn(context) ? context : IntPtr.Zero;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            return IntPtr.Zero;
        }
    }

    private sealed class Holder : IDisposable
    {
        private int released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
                Release();
        }
    }

    [DllImport(Library, EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport(Library, EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport(Library, EntryPoint = "_ZNK2at7Context17userEnabledMkldnnEv")]
    [return: MarshalAs(UnmanagedType.U1)]
    private static extern bool UserEnabledMkldnn(IntPtr context);
}
