namespace MLStability;

/// <summary>
/// Chooses an automatic <see cref="DeepNetworkOptions.NumericEmbedding"/> for the MLP on an in-memory table above
/// <see cref="DepthSelection.MaximumRows"/> training rows (<see cref="EmbeddingSelection"/>): the small tables' depth
/// selection compares the periodic MLP with a linear model; here the question is whether the periodic embedding pays,
/// and held-out rows answer it. Both candidates train on one sample of the training rows with the final fit's scaling,
/// and are discarded.
/// </summary>
internal static class EmbeddingSelector
{
    /// <summary>Whether <paramref name="options"/> leave the embedding to a selection on <paramref name="trainingRows"/> rows of <paramref name="featureCount"/> features.</summary>
    public static bool Applies(DeepNetworkOptions options, int trainingRows, int featureCount) =>
        options.Network == NetworkKind.Mlp && options.NumericEmbedding is null && trainingRows > DepthSelection.MaximumRows &&
        featureCount <= DepthSelection.MaximumEmbeddedFeatures;

    /// <summary>
    /// Trains both candidates on a sample of <paramref name="train"/> (the rows the fit will train on) and returns the
    /// options with NumericEmbedding fixed, the evidence, and the scaling the candidates used (the final fit's).
    /// </summary>
    public static (DeepNetworkOptions Options, EmbeddingSelection Selection, DataScaling Scaling) Select(DeepNetworkOptions options,
        SupervisedData train, int seed)
    {
        int heldOutRows = Math.Min(EmbeddingSelection.MaximumHeldOutRows, train.Rows / 5);
        int candidateRows = Math.Min(EmbeddingSelection.MaximumCandidateRows, train.Rows - heldOutRows);
        int[] order = Enumerable.Range(0, train.Rows).ToArray();
        new Random(seed).Shuffle(order);
        var fold = new[] { (Train: train.Subset(order.AsSpan(heldOutRows, candidateRows)), HeldOut: train.Subset(order.AsSpan(0, heldOutRows))) };
        var scaling = DataScaling.Fit(train, options);
        // Sized for all the training rows, as the final fit will be.
        var sized = options.WithSizesFor(train.Rows);
        // The user's epochs where set; else enough for CandidateSteps steps on the sample (the automatic count would give
        // each candidate as many steps as the final fit).
        long stepsPerEpoch = (candidateRows + options.BatchSize - 1) / options.BatchSize;
        int epochs = options.Epochs ?? (int)Math.Max(1, (EmbeddingSelection.CandidateSteps + stepsPerEpoch - 1) / stepsPerEpoch);
        double Loss(NumericEmbeddingKind embedding)
        {
            var candidate = DepthSelector.Candidate(sized, sized.HiddenLayers ?? DeepNetworkOptions.AutomaticHiddenLayers, embedding);
            candidate.Epochs = epochs;
            var (result, network) = new NetworkTrainer(candidate, seed).HeldOut(fold, scaling)[0];
            network?.Dispose();
            result?.Outputs.Dispose();
            result?.Targets.Dispose();
            return result?.Loss ?? double.PositiveInfinity; // a candidate that diverged loses
        }
        double plain = Loss(NumericEmbeddingKind.None), periodic = Loss(NumericEmbeddingKind.Periodic);
        var chosenEmbedding = periodic < (1 - EmbeddingSelection.RequiredImprovement) * plain ? NumericEmbeddingKind.Periodic : NumericEmbeddingKind.None;
        var chosen = options.Copy<DeepNetworkOptions>();
        chosen.NumericEmbedding = chosenEmbedding;
        return (chosen, new EmbeddingSelection(candidateRows, heldOutRows, plain, periodic, chosenEmbedding) { CandidateEpochs = epochs }, scaling);
    }
}
