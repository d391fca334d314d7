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

    public void Capture(CheckpointFile checkpoint)
    {
        checkpoint.Set("early.best_loss", BestLoss);
        checkpoint.Set("early.best_epoch", BestEpoch);
        checkpoint.Set("early.waited", epochsWithoutImprovement);
        checkpoint.Set("early.has_state", bestState != null);
        foreach (var (name, tensor) in bestState ?? new Dictionary<string, Tensor>())
            checkpoint.SetTensor("early.state." + name, tensor);
    }

    public void Restore(CheckpointFile checkpoint, nn.Module module)
    {
        BestLoss = checkpoint.Get<double>("early.best_loss");
        BestEpoch = checkpoint.Get<int>("early.best_epoch");
        epochsWithoutImprovement = checkpoint.Get<int>("early.waited");
        DisposeState();
        if (checkpoint.Get<bool>("early.has_state"))
        {
            using var noGrad = torch.no_grad();
            bestState = module.state_dict().ToDictionary(e => e.Key,
                e => checkpoint.GetTensor("early.state." + e.Key).to(e.Value.device).clone().DetachFromDisposeScope());
        }
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
