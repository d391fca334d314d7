using System.Globalization;

namespace MLStability;

/// <summary>
/// How an automatic <see cref="DeepNetworkOptions.HiddenLayers"/> was decided on a small table: the held-out loss of a
/// linear model and of the MLP, each trained on all but one of <see cref="Folds"/> folds of the training rows and
/// measured on the remaining fold, averaged over the rows; the model with the lower loss was trained on all rows.
/// </summary>
/// <param name="Folds">The cross-validation folds.</param>
/// <param name="Rows">The training rows the folds were cut from.</param>
/// <param name="LinearModelLoss">The linear model's held-out loss per row (the training objective's, on scaled targets).</param>
/// <param name="NetworkLoss">The MLP's (<see cref="DeepNetworkOptions.AutomaticHiddenLayers"/> hidden layers) held-out loss per row.</param>
/// <param name="HiddenLayers">The hidden layers that were trained: 0 (the linear model) or the MLP's.</param>
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
    public const int CrossValidationFolds = 3;

    /// <summary>True when the linear model was chosen.</summary>
    public bool ChoseLinearModel => HiddenLayers == 0;

    /// <inheritdoc/>
    public override string ToString() =>
        $"HiddenLayers = {HiddenLayers} ({(ChoseLinearModel ? "a linear model" : "the MLP")}): held-out loss " +
        $"{F(LinearModelLoss)} for a linear model vs {F(NetworkLoss)} for {DeepNetworkOptions.AutomaticHiddenLayers} hidden layers" +
        (NetworkEmbedding == NumericEmbeddingKind.Periodic ? " over a periodic embedding " : " ") +
        $"({Folds}-fold cross-validation on {Rows} training rows)";

    private static string F(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
