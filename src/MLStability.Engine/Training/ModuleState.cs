using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// A copy of a module's parameters and buffers (its state_dict), kept out of any dispose scope: the best epoch's
/// weights for early stopping, the last good weights for rollback, and the network in a checkpoint.
/// </summary>
internal sealed class ModuleState : IDisposable
{
    private readonly Dictionary<string, Tensor> tensors;

    private ModuleState(Dictionary<string, Tensor> tensors) => this.tensors = tensors;

    public static ModuleState Capture(nn.Module module)
    {
        using var noGrad = torch.no_grad();
        return new ModuleState(module.state_dict().ToDictionary(e => e.Key, e => e.Value.clone().DetachFromDisposeScope()));
    }

    /// <summary>Copies the saved values into <paramref name="module"/> (across devices if needed).</summary>
    public void CopyInto(nn.Module module)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in module.state_dict())
        {
            if (!tensors.TryGetValue(name, out var saved))
                throw new InvalidDataException($"The saved state has no '{name}'.");
            tensor.copy_(saved);
        }
    }

    public void WriteTo(CheckpointFile checkpoint, string prefix)
    {
        foreach (var (name, tensor) in tensors)
            checkpoint.SetTensor(prefix + name, tensor);
    }

    /// <summary>Reads what <see cref="WriteTo"/> wrote (CPU copies, independent of the checkpoint's tensors).</summary>
    public static ModuleState ReadFrom(CheckpointFile checkpoint, string prefix) =>
        new(checkpoint.Tensors.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(e => e.Key[prefix.Length..], e => e.Value.clone().DetachFromDisposeScope()));

    /// <summary>Whether every floating-point parameter and buffer of <paramref name="module"/> is finite.</summary>
    public static bool IsFinite(nn.Module module)
    {
        using var scope = torch.NewDisposeScope();
        return module.state_dict().Values.Where(t => t.is_floating_point()).All(t => t.isfinite().all().item<bool>());
    }

    public void Dispose()
    {
        foreach (var tensor in tensors.Values)
            tensor.Dispose();
        tensors.Clear();
    }
}
