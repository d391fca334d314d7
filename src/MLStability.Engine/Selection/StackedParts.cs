using MLStability.Networks;

namespace MLStability;

/// <summary>
/// What the final fit adds to the network it trains with the selected options, as the cross-validation measured it:
/// the cross-validation's trained fold MLPs, averaged with it (<see cref="MlpNetwork.AddMembers"/>), and the weighted
/// linear model, when both models were kept. Owns the fold MLPs until <see cref="TakeMembers"/> hands them over.
/// </summary>
/// <param name="members">The fold MLPs to average with the final one, empty when the MLP was not kept.</param>
/// <param name="shortcut">The linear model to add with its weights, or null.</param>
internal sealed class StackedParts(IReadOnlyList<MlpNetwork> members, LinearShortcut? shortcut) : IDisposable
{
    private bool taken;

    /// <summary>The fold MLPs, in fold order.</summary>
    public IReadOnlyList<MlpNetwork> Members => members;

    /// <summary>The linear model to add with its weights, or null.</summary>
    public LinearShortcut? Shortcut => shortcut;

    /// <summary>Hands the fold MLPs over to the network that averages them (which then owns them).</summary>
    public IReadOnlyList<MlpNetwork> TakeMembers()
    {
        taken = true;
        return members;
    }

    /// <summary>Frees the fold MLPs unless they were taken.</summary>
    public void Dispose()
    {
        if (taken)
            return;
        taken = true;
        foreach (var member in members)
            member.Dispose();
    }
}
