namespace MLStability;

/// <summary>
/// The scalings of one fit, learned from its training rows: features (<see cref="DeepNetworkOptions.FeatureScaling"/>)
/// and regression targets (<see cref="DeepNetworkOptions.StandardizeTargets"/>); null where off or not applicable.
/// </summary>
internal sealed record DataScaling(AffineScaling? Features, AffineScaling? Targets)
{
    public static DataScaling None { get; } = new(null, null);

    public static DataScaling Fit(SupervisedData train, DeepNetworkOptions options)
    {
        var features = options.FeatureScaling == FeatureScalingKind.Robust
            ? ScalingStatistics.Features(train.Features, train.Rows, train.FeatureCount, GroupOf(options, train.FeatureCount))
            : null;
        var targets = options.StandardizeTargets && train is RegressionData { Objective.FitsRealValues: true, TargetsAreFeatures: false } regression
            ? ScalingStatistics.Targets(regression.Targets, regression.Rows, regression.TargetCount)
            : null;
        return new DataScaling(features is { IsIdentity: true } ? null : features, targets);
    }

    /// <summary>
    /// Which statistics a feature shares: its own (MLP), its channel's over all positions (ResNet, [C, H, W]), or its
    /// step feature's over all steps (Recurrent, or a Transformer over [T, F] sequences), so that a convolution, a cell
    /// or a token projection sees every position alike; a Transformer over a table scales each feature by its own.
    /// </summary>
    private static Func<int, int> GroupOf(DeepNetworkOptions options, int featureCount) => options.Network switch
    {
        NetworkKind.ResNet => f => f / (featureCount / options.InputShape![0]),
        NetworkKind.Recurrent => f => f % options.InputShape![1],
        NetworkKind.Transformer when options.InputShape is { Length: 2 } shape => f => f % shape[1],
        _ => f => f,
    };
}
