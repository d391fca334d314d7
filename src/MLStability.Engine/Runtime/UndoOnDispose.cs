namespace MLStability;

/// <summary>
/// Runs an undo action once, on the first <see cref="Dispose"/>: what the test-only overrides of process-wide state
/// (LibTorch's kernels, the processor's bfloat16 support) hand back so that a <c>using</c> puts the state back.
/// </summary>
internal sealed class UndoOnDispose(Action undo) : IDisposable
{
    private Action? undo = undo;

    /// <summary>Undoes the change; later calls do nothing.</summary>
    public void Dispose()
    {
        undo?.Invoke();
        undo = null;
    }
}
