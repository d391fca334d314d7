using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Tracks the best validation loss, keeps a copy of the best weights, and says when patience has run out.
/// </summary>
internal sealed class EarlyStopping : IDisposable
{
    private readonly int patience;
    private ModuleState? best;
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
            best?.Dispose();
            best = ModuleState.Capture(module);
            return false;
        }
        epochsWithoutImprovement++;
        return patience > 0 && epochsWithoutImprovement >= patience;
    }

    /// <summary>Copies the best weights back into the module, if a better epoch than the last one was seen.</summary>
    public void RestoreBest(nn.Module module) => best?.CopyInto(module);

    public void Capture(CheckpointFile checkpoint)
    {
        checkpoint.Set("early.best_loss", BestLoss);
        checkpoint.Set("early.best_epoch", BestEpoch);
        checkpoint.Set("early.waited", epochsWithoutImprovement);
        checkpoint.Set("early.has_state", best != null);
        best?.WriteTo(checkpoint, "early.state.");
    }

    public void Restore(CheckpointFile checkpoint)
    {
        BestLoss = checkpoint.Get<double>("early.best_loss");
        BestEpoch = checkpoint.Get<int>("early.best_epoch");
        epochsWithoutImprovement = checkpoint.Get<int>("early.waited");
        best?.Dispose();
        best = checkpoint.Get<bool>("early.has_state") ? ModuleState.ReadFrom(checkpoint, "early.state.") : null;
    }

    public void Dispose() => best?.Dispose();
}
