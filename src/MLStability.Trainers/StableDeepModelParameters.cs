namespace MLStability.Trainers;

/// <summary>
/// The trained network of a StableDeep predictor, as ML.NET's <c>model.LastTransformer.Model</c> idiom and
/// <c>PermutationFeatureImportance</c> see it: its size, the options it was trained with and what training reported.
/// The network itself scores through the transformer that holds these parameters (and is disposed with it).
/// </summary>
public sealed class StableDeepModelParameters
{
    private readonly TrainedNetwork network;
    private readonly StableDeepOptions options;

    internal StableDeepModelParameters(TrainedNetwork network, StableDeepOptions options)
    {
        this.network = network;
        this.options = options;
    }

    /// <summary>The number of features per row the network reads.</summary>
    public int FeatureCount => network.FeatureCount;

    /// <summary>The network's outputs per row: classes (multiclass), 1 (binary logit, regression score).</summary>
    public int OutputCount => network.OutputCount;

    /// <summary>Trainable weights and biases in the network.</summary>
    public long ParameterCount => network.Network.parameters().Sum(p => p.numel());

    /// <summary>The options the network was trained with (a copy).</summary>
    public StableDeepOptions TrainingOptions => options.Clone();

    /// <summary>Gradient health of the training run: statistics, verdicts, instability events, kernel routes.</summary>
    public TrainingReport TrainingReport => network.Report;

    /// <summary>What each training epoch reported.</summary>
    public IReadOnlyList<EpochProgress> TrainingHistory => network.History;

    /// <summary>The device the network runs on, e.g. "cpu" or "cuda:0".</summary>
    public string Device => network.Device.ToString();
}
