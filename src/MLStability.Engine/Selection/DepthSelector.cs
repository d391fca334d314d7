namespace MLStability;

/// <summary>
/// Chooses an automatic <see cref="DeepNetworkOptions.HiddenLayers"/> on a small in-memory table: a linear model or
/// the default MLP (over a periodic embedding of the features unless <see cref="DeepNetworkOptions.NumericEmbedding"/>
/// says otherwise), whichever has the lower held-out loss in a cross-validation on the training rows
/// (<see cref="DepthSelection"/>). Deep networks overfit small, nearly linear tables, and no rule on the table's size
/// tells those apart from small tables that need the depth; held-out loss does.
/// </summary>
internal static class DepthSelector
{
    /// <summary>Whether <paramref name="options"/> leave the depth to a selection on <paramref name="trainingRows"/> rows.</summary>
    public static bool Applies(DeepNetworkOptions options, int trainingRows) =>
        options.Network == NetworkKind.Mlp && options.HiddenLayers is null && options.HiddenLayerSizes is null &&
        trainingRows <= DepthSelection.MaximumRows && trainingRows >= 2 * DepthSelection.CrossValidationFolds;

    /// <summary>
    /// Runs the cross-validation on <paramref name="train"/> (the rows the fit will train on) and returns the options
    /// with HiddenLayers fixed to the winner, and the evidence.
    /// </summary>
    /// <param name="options">The fit's options (HiddenLayers automatic).</param>
    /// <param name="train">The training rows, validation rows already held out.</param>
    /// <param name="seed">Cuts the folds and seeds every candidate.</param>
    public static (DeepNetworkOptions Options, DepthSelection Selection) Select(DeepNetworkOptions options, SupervisedData train, int seed)
    {
        int folds = DepthSelection.CrossValidationFolds;
        int[] order = Enumerable.Range(0, train.Rows).ToArray();
        new Random(seed).Shuffle(order);
        // Both candidates are sized for all the training rows, as the final fit will be, not for a fold's share.
        var sized = options.WithSizesFor(train.Rows);
        var linear = Candidate(sized, 0, train.FeatureCount);
        var network = Candidate(sized, DeepNetworkOptions.AutomaticHiddenLayers, train.FeatureCount);
        double linearLoss = 0, networkLoss = 0;
        for (int fold = 0; fold < folds; fold++)
        {
            int start = fold * train.Rows / folds, end = (fold + 1) * train.Rows / folds;
            var heldOut = train.Subset(order.AsSpan(start, end - start));
            var rest = train.Subset(order.Take(start).Concat(order.Skip(end)).ToArray());
            double share = (double)heldOut.Rows / train.Rows;
            linearLoss += share * HeldOutLoss(linear, rest, heldOut, seed);
            networkLoss += share * HeldOutLoss(network, rest, heldOut, seed);
        }
        // A tie (both diverged) keeps the MLP, whose own fit then reports what went wrong.
        var winner = linearLoss < networkLoss ? linear : network;
        // The user's options (their reporting, hold-out and checkpoints) with the winner's architecture.
        var chosen = options.Copy<DeepNetworkOptions>();
        chosen.HiddenLayers = winner.HiddenLayers;
        chosen.NumericEmbedding = winner.NumericEmbedding;
        return (chosen, new DepthSelection(folds, train.Rows, linearLoss, networkLoss, winner.HiddenLayers!.Value, network.NumericEmbedding!.Value));
    }

    /// <summary>
    /// The automatic numeric embedding of the MLP candidate: Periodic on a table of at most
    /// <see cref="DepthSelection.MaximumEmbeddedFeatures"/> features, None on wider inputs (flattened images), where the
    /// embedded first layer (features x <see cref="DeepNetworkOptions.PeriodicEmbeddingWidth"/> inputs) grows large
    /// and single-pixel thresholds are not what the network needs.
    /// </summary>
    private static NumericEmbeddingKind AutomaticEmbedding(int featureCount) =>
        featureCount <= DepthSelection.MaximumEmbeddedFeatures ? NumericEmbeddingKind.Periodic : NumericEmbeddingKind.None;

    /// <summary>The fit's options with <paramref name="hiddenLayers"/>, and nothing that writes, reports or holds out rows.</summary>
    private static DeepNetworkOptions Candidate(DeepNetworkOptions sized, int hiddenLayers, int featureCount)
    {
        var candidate = sized.Copy<DeepNetworkOptions>();
        candidate.HiddenLayers = hiddenLayers;
        // The linear model stays the plain convex one; the MLP gets the tabular embedding unless the user chose.
        candidate.NumericEmbedding = hiddenLayers == 0 ? NumericEmbeddingKind.None : sized.NumericEmbedding ?? AutomaticEmbedding(featureCount);
        candidate.ValidationFraction = 0;
        candidate.EarlyStoppingPatience = 0;
        candidate.CheckpointDirectory = null;
        candidate.TensorBoardDirectory = null;
        candidate.Progress = null;
        return candidate;
    }

    /// <summary>The last epoch's loss per held-out row, or +infinity when the candidate's training diverged.</summary>
    private static double HeldOutLoss(DeepNetworkOptions candidate, SupervisedData rest, SupervisedData heldOut, int seed)
    {
        try
        {
            double loss = new NetworkTrainer(candidate, seed).HeldOutLoss(rest, heldOut);
            return double.IsFinite(loss) ? loss : double.PositiveInfinity;
        }
        catch (TrainingDivergedException)
        {
            return double.PositiveInfinity;
        }
    }
}
