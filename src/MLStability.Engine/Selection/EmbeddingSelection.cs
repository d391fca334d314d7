using System.Globalization;

namespace MLStability;

/// <summary>
/// How an automatic <see cref="DeepNetworkOptions.NumericEmbedding"/> was decided on a table above
/// <see cref="DepthSelection.MaximumRows"/> training rows (where no depth selection runs) with at most
/// <see cref="DepthSelection.MaximumEmbeddedFeatures"/> features: the MLP without an embedding and the MLP over the
/// periodic embedding were each trained on <see cref="CandidateRows"/> of the training rows and measured on
/// <see cref="HeldOutRows"/> others; the periodic embedding was kept when its held-out loss was at least
/// <see cref="RequiredImprovement"/> below the plain MLP's, and the chosen MLP then trained on all rows. The periodic
/// embedding helps tables whose features act through thresholds (letter recognition: accuracy 0.954 to 0.967, held-out
/// loss 0.378 to 0.288) and not tables of smooth, correlated features (satellite pixels: 0.915 to 0.911, held-out losses
/// within 3% either way); no rule on the table's shape tells them apart.
/// </summary>
/// <param name="CandidateRows">The rows each candidate trained on.</param>
/// <param name="HeldOutRows">The rows both were measured on (never their validation split).</param>
/// <param name="PlainLoss">The held-out loss per row of the MLP without an embedding (the objective's, on scaled targets).</param>
/// <param name="PeriodicLoss">The held-out loss per row of the MLP over the periodic embedding.</param>
/// <param name="Chosen">The embedding the fit trained with.</param>
public sealed record EmbeddingSelection(long CandidateRows, long HeldOutRows, double PlainLoss, double PeriodicLoss, NumericEmbeddingKind Chosen)
{
    /// <summary>
    /// The most rows a candidate trains on: enough for the embedding's advantage to show (it showed on 4,000 rows of
    /// letter recognition), few enough that the two candidates cost less than the final fit on larger tables.
    /// </summary>
    public const int MaximumCandidateRows = 4_000;

    /// <summary>
    /// How much lower (as a fraction of the plain MLP's) the periodic MLP's held-out loss must be for the fit to take
    /// it: the embedding costs 1.4x to 1.7x the plain MLP's epoch time, and differences of a few percent were noise of
    /// the held-out sample (satellite: periodic ahead by 3% and 2% in two of five folds whose accuracy it lowered).
    /// </summary>
    public const double RequiredImprovement = 0.05;

    /// <summary>
    /// The optimizer steps each candidate trains for when <see cref="DeepNetworkOptions.Epochs"/> is automatic: half the
    /// automatic minimum of a fit. The selection needs the order of the two, not trained models; measured, 250 steps
    /// chose as 500 did on letters (held-out loss 0.551 plain, 0.478 periodic) and satellite (plain in all five folds,
    /// by 2% to 12%), and took satellite's five folds from 43.4 s to 29.4 s (16.4 s without the selection).
    /// </summary>
    public const int CandidateSteps = 250;

    /// <summary>The most rows the candidates are measured on.</summary>
    public const int MaximumHeldOutRows = 2_000;

    /// <summary>The epochs each candidate trained: the user's Epochs, or enough for <see cref="CandidateSteps"/> steps.</summary>
    public int CandidateEpochs { get; init; }

    /// <inheritdoc/>
    public override string ToString() =>
        $"NumericEmbedding = {Chosen}: held-out loss {F(PlainLoss)} without an embedding, {F(PeriodicLoss)} over the periodic " +
        $"embedding (each trained {CandidateEpochs} epochs on {CandidateRows} rows, measured on {HeldOutRows} others)";

    private static string F(double value) => value.ToString("G4", CultureInfo.InvariantCulture);
}
