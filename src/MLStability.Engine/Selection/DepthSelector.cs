using MLStability.Networks;
using TorchSharp;

namespace MLStability;

/// <summary>
/// Chooses an automatic <see cref="DeepNetworkOptions.HiddenLayers"/> on a small in-memory table: a linear model, the
/// default MLP (over a periodic embedding of the features unless <see cref="DeepNetworkOptions.NumericEmbedding"/>
/// says otherwise) or a weighted combination of both, with weights fitted on the held-out outputs of a
/// cross-validation on the training rows (<see cref="DepthSelection"/>, <see cref="StackingWeights"/>). Deep networks
/// overfit small, nearly linear tables, and no rule on the table's size tells those apart from small tables that need
/// the depth; held-out outputs do. On small tables the MLP often ranks rows better than the linear model but is
/// overconfident; the weights keep its ranking and temper its confidence. The final model's MLP is the mean of the one
/// the final fit trains on all rows and the cross-validation's fold MLPs (consecutive seeds), which varies less than any
/// one of them and costs no further training.
/// </summary>
internal static class DepthSelector
{
    /// <summary>Whether <paramref name="options"/> leave the depth to a selection on <paramref name="trainingRows"/> rows.</summary>
    public static bool Applies(DeepNetworkOptions options, int trainingRows) =>
        options.Network == NetworkKind.Mlp && options.HiddenLayers is null && options.HiddenLayerSizes is null &&
        trainingRows <= DepthSelection.MaximumRows && trainingRows >= 2 * DepthSelection.CrossValidationFolds;

    /// <summary>
    /// Runs the cross-validation on <paramref name="train"/> (the rows the fit will train on) and returns the options
    /// with HiddenLayers fixed (0 when the linear model alone is kept), the evidence, and the linear model to add to
    /// the MLP when both are kept.
    /// </summary>
    /// <param name="options">The fit's options (HiddenLayers automatic).</param>
    /// <param name="train">The training rows, validation rows already held out.</param>
    /// <param name="seed">Cuts the folds and seeds every candidate.</param>
    public static (DeepNetworkOptions Options, DepthSelection Selection, StackedParts Parts, DataScaling Scaling) Select(DeepNetworkOptions options,
        SupervisedData train, int seed)
    {
        int folds = DepthSelection.CrossValidationFolds;
        int[] order = Enumerable.Range(0, train.Rows).ToArray();
        new Random(seed).Shuffle(order);
        // Both candidates are sized for all the training rows, as the final fit will be, not for a fold's share.
        var sized = options.WithSizesFor(train.Rows);
        var linear = Candidate(sized, 0, NumericEmbeddingKind.None);
        var network = Candidate(sized, DeepNetworkOptions.AutomaticHiddenLayers, sized.NumericEmbedding ?? AutomaticEmbedding(train.FeatureCount));
        // One scaling, the final fit's, for every fold: the fold MLPs become members of the final model, which scales
        // its inputs once, and all held-out outputs are in the same units for the stacking weights.
        var scaling = DataScaling.Fit(train, options);
        var folded = Enumerable.Range(0, folds).Select(fold =>
        {
            int start = fold * train.Rows / folds, end = (fold + 1) * train.Rows / folds;
            return (Train: train.Subset(order.Take(start).Concat(order.Skip(end)).ToArray()), HeldOut: train.Subset(order.AsSpan(start, end - start)));
        }).ToArray();
        var linearFits = new NetworkTrainer(linear, seed).HeldOut(folded, scaling);
        var networkFits = new NetworkTrainer(network, seed).HeldOut(folded, scaling);
        var linearResults = linearFits.Select(f => f.Result).ToArray();
        var networkResults = networkFits.Select(f => f.Result).ToArray();
        var foldNetworks = networkFits.Select(f => f.Network).OfType<MlpNetwork>().ToArray();
        foreach (var fit in linearFits)
            fit.Network?.Dispose();
        try
        {
            double linearLoss = 0, networkLoss = 0;
            for (int fold = 0; fold < folds; fold++)
            {
                double share = (double)folded[fold].HeldOut.Rows / train.Rows;
                linearLoss += share * (linearResults[fold]?.Loss ?? double.PositiveInfinity);
                networkLoss += share * (networkResults[fold]?.Loss ?? double.PositiveInfinity);
            }
            var stacking = double.IsFinite(linearLoss) && double.IsFinite(networkLoss)
                ? Stack(linearResults!, networkResults!, train.Objective)
                : default((double Linear, double Network, float[] Offsets, double Loss)?);
            // A tie (both diverged) keeps the MLP, whose own fit then reports what went wrong.
            var winner = stacking is { Network: 0 } || (stacking is null && linearLoss < networkLoss) ? linear : network;
            // The user's options (their reporting, hold-out and checkpoints) with the winner's architecture.
            var chosen = options.Copy<DeepNetworkOptions>();
            chosen.HiddenLayers = winner.HiddenLayers;
            chosen.NumericEmbedding = winner.NumericEmbedding;
            LinearShortcut? shortcut = winner == network && stacking is { Linear: > 0 } s ? new LinearShortcut(linear, s.Linear, s.Network, s.Offsets) : null;
            var members = winner == network ? foldNetworks : Array.Empty<MlpNetwork>();
            var selection = new DepthSelection(folds, train.Rows, linearLoss, networkLoss, winner.HiddenLayers!.Value, network.NumericEmbedding!.Value)
            {
                LinearWeight = stacking?.Linear ?? (winner == linear ? 1 : 0),
                NetworkWeight = stacking?.Network ?? (winner == network ? 1 : 0),
                CombinedLoss = stacking?.Loss,
                NetworkMembers = winner == network ? 1 + members.Length : 1,
            };
            if (winner != network)
            {
                foreach (var unused in foldNetworks)
                    unused.Dispose();
            }
            return (chosen, selection, new StackedParts(members, shortcut), scaling);
        }
        catch
        {
            foreach (var unused in foldNetworks)
                unused.Dispose();
            throw;
        }
        finally
        {
            foreach (var result in linearResults.Concat(networkResults))
            {
                result?.Outputs.Dispose();
                result?.Targets.Dispose();
            }
        }
    }

    /// <summary>The stacking weights on the folds' held-out outputs, all rows together.</summary>
    private static (double Linear, double Network, float[] Offsets, double Loss) Stack(IReadOnlyList<HeldOutResult> linear,
        IReadOnlyList<HeldOutResult> network, TrainingObjective objective)
    {
        using var scope = torch.NewDisposeScope();
        return StackingWeights.Fit(torch.cat(linear.Select(r => r.Outputs).ToArray(), 0), torch.cat(network.Select(r => r.Outputs).ToArray(), 0),
            torch.cat(linear.Select(r => r.Targets).ToArray(), 0), objective);
    }

    /// <summary>
    /// The automatic numeric embedding of the MLP candidate: Periodic on a table of at most
    /// <see cref="DepthSelection.MaximumEmbeddedFeatures"/> features, None on wider inputs (flattened images), where the
    /// embedded first layer (features x <see cref="DeepNetworkOptions.PeriodicEmbeddingWidth"/> inputs) grows large
    /// and single-pixel thresholds are not what the network needs.
    /// </summary>
    private static NumericEmbeddingKind AutomaticEmbedding(int featureCount) =>
        featureCount <= DepthSelection.MaximumEmbeddedFeatures ? NumericEmbeddingKind.Periodic : NumericEmbeddingKind.None;

    /// <summary>
    /// The fit's options with <paramref name="hiddenLayers"/> and <paramref name="embedding"/>, and nothing that writes,
    /// reports or holds out rows: a candidate of a selection (the linear model stays the plain convex one).
    /// </summary>
    internal static DeepNetworkOptions Candidate(DeepNetworkOptions sized, int hiddenLayers, NumericEmbeddingKind embedding)
    {
        var candidate = sized.Copy<DeepNetworkOptions>();
        candidate.HiddenLayers = hiddenLayers;
        candidate.NumericEmbedding = embedding;
        candidate.ValidationFraction = 0;
        candidate.EarlyStoppingPatience = 0;
        candidate.CheckpointDirectory = null;
        candidate.TensorBoardDirectory = null;
        candidate.Progress = null;
        return candidate;
    }
}
