namespace MLStability.Trainers;

/// <summary>
/// Turns rows of features into rows of outputs (class probabilities, a regression value, a logit, an embedding...):
/// the one thing the lazy scoring views need from a trained network. Must be thread-safe.
/// </summary>
internal sealed class RowScorer(int featureCount, int outputCount, RowScorer.ScoreRows score)
{
    /// <summary>Writes rows x OutputCount outputs for rows x FeatureCount row-major features.</summary>
    public delegate void ScoreRows(ReadOnlySpan<float> features, int rows, Span<float> outputs);

    public int FeatureCount { get; } = featureCount;
    public int OutputCount { get; } = outputCount;

    public void Score(ReadOnlySpan<float> features, int rows, Span<float> outputs) => score(features, rows, outputs);
}
