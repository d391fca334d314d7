using System.Globalization;

namespace MLStability;

/// <summary>
/// How an automatic <see cref="DeepNetworkOptions.HiddenLayers"/> was decided on a small table: a linear model and the
/// MLP are each trained on all but one of <see cref="Folds"/> folds of the training rows and measured on the remaining
/// fold; their held-out outputs, all folds together, fit the weights of output = <see cref="LinearWeight"/> · linear +
/// <see cref="NetworkWeight"/> · MLP + offsets (non-negative weights, lowest held-out loss: stacked generalization).
/// Then every model whose weight is above zero is trained on all rows: both, combined into one network with those
/// weights, or the other model alone when a weight is zero; the MLP as the mean of the one trained on all rows and the
/// <see cref="Folds"/> fold MLPs of the cross-validation (<see cref="NetworkMembers"/>). The candidates' held-out outputs come from their last
/// epoch's weights: the held-out fold is never their validation split, whose best epoch would be chosen on it.
/// </summary>
/// <param name="Folds">The cross-validation folds.</param>
/// <param name="Rows">The training rows the folds were cut from.</param>
/// <param name="LinearModelLoss">The linear model's held-out loss per row (the training objective's, on scaled targets).</param>
/// <param name="NetworkLoss">The MLP's (<see cref="DeepNetworkOptions.AutomaticHiddenLayers"/> hidden layers) held-out loss per row.</param>
/// <param name="HiddenLayers">The MLP's hidden layers when it was trained (alone or combined), 0 for the linear model alone.</param>
/// <param name="NetworkEmbedding">
/// The MLP's numeric embedding: the user's NumericEmbedding, or automatically Periodic on tables of at most
/// <see cref="MaximumEmbeddedFeatures"/> features; the linear model has none.
/// </param>
public sealed record DepthSelection(int Folds, long Rows, double LinearModelLoss, double NetworkLoss, int HiddenLayers,
                                    NumericEmbeddingKind NetworkEmbedding)
{
    /// <summary>The most training rows on which an automatic HiddenLayers is chosen by cross-validation.</summary>
    public const int MaximumRows = 2_000;

    /// <summary>The most features on which the MLP candidate gets the automatic periodic embedding (the 8x8 digits have 64).</summary>
    public const int MaximumEmbeddedFeatures = 64;

    /// <summary>The folds the training rows are cut into.</summary>
    public const int CrossValidationFolds = 5;

    /// <summary>
    /// The MLPs averaged in the trained model, or 1 when the linear model alone was trained: the MLP the final fit trains
    /// on all training rows and the cross-validation's fold MLPs, one per fold (each trained on the other folds' rows
    /// from its own seed, with the final fit's scaling). One network from one random start varies on a small table by
    /// about as much as the choices made here (cars' origin: AUC 0.950 to 0.956 over three seeds); the mean of several
    /// varies less, and the fold MLPs are trained anyway, so the average costs no further training. The stacking weights
    /// are fitted on single fold MLPs' held-out outputs.
    /// </summary>
    public int NetworkMembers { get; init; } = 1;

    /// <summary>The weight of the linear model's outputs in the trained model (0 when only the MLP was trained).</summary>
    public double LinearWeight { get; init; }

    /// <summary>The weight of the MLP's outputs in the trained model (0 when only the linear model was trained).</summary>
    public double NetworkWeight { get; init; }

    /// <summary>The held-out loss per row of the weighted combination, or null when a candidate diverged.</summary>
    public double? CombinedLoss { get; init; }

    /// <summary>True when the trained model adds a weighted linear model to the MLP (both weights above 0).</summary>
    public bool Combined => LinearWeight > 0 && NetworkWeight > 0;

    /// <summary>True when the linear model alone was trained.</summary>
    public bool ChoseLinearModel => HiddenLayers == 0;

    /// <inheritdoc/>
    public override string ToString() =>
        $"{(Combined ? $"{F(LinearWeight)} x a linear model + {F(NetworkWeight)} x the MLP" : ChoseLinearModel ? "a linear model" : "the MLP")}" +
        (NetworkMembers > 1 ? $" (the MLP: the mean of {NetworkMembers} networks, the one trained on all rows and {NetworkMembers - 1} fold networks)" : "") +
        $" (HiddenLayers = {HiddenLayers}): held-out loss {F(LinearModelLoss)} for a linear model, {F(NetworkLoss)} for " +
        $"{DeepNetworkOptions.AutomaticHiddenLayers} hidden layers" +
        (NetworkEmbedding == NumericEmbeddingKind.Periodic ? " over a periodic embedding" : "") +
        (CombinedLoss is double combined ? $", {F(combined)} for the weighted combination" : "") +
        $" ({Folds}-fold cross-validation on {Rows} training rows)";

    private static string F(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
