using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Tracks the best validation loss, keeps a copy of the best weights, and says when patience has run out.
/// </summary>
internal sealed class EarlyStopping : IDisposable
{
    private readonly int patience;
    private Dictionary<string, Tensor>? bestState;
    private int epochsWithoutImprovement;

    public EarlyStopping(int patience) => this.patience = patience;

    public double BestLoss { get; private set; } = double.PositiveInfinity;
    public int BestEpoch { get; private set; }

    /// <summary>Records an epoch's validation loss; returns true when training should stop.</summary>
    public bool Update(nn.Module module, int epoch, double validationLoss)
    {
        if (validationLoss < BestLoss)
        {
            BestLoss = validationLoss;
            BestEpoch = epoch;
            epochsWithoutImprovement = 0;
            Snapshot(module);
            return false;
        }
        epochsWithoutImprovement++;
        return patience > 0 && epochsWithoutImprovement >= patience;
    }

    /// <summary>Copies the best weights back into the module, if a better epoch than the last one was seen.</summary>
    public void RestoreBest(nn.Module module)
    {
        if (bestState == null)
            return;
        using var noGrad = torch.no_grad();
        foreach (var (name, tensor) in module.state_dict())
            tensor.copy_(bestState[name]);
    }

    private void Snapshot(nn.Module module)
    {
        DisposeState();
        using var noGrad = torch.no_grad();
        bestState = module.state_dict().ToDictionary(e => e.Key, e => e.Value.clone().DetachFromDisposeScope());
    }

    private void DisposeState()
    {
        if (bestState == null)
            return;
        foreach (Tensor t in bestState.Values)
            t.Dispose();
        bestState = null;
    }

    public void Dispose() => DisposeState();
}
