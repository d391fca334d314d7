using Microsoft.ML;
using Microsoft.ML.Transforms;
using MLStability.Data;
using MLStability.Trainers;

namespace MLStability.CheckpointWorker;

/// <summary>The training run that the checkpoint tests interrupt and resume, shared by the worker and the tests.</summary>
public static class CheckpointScenario
{
    public const int Epochs = 6;

    public static StableDeepOptions Options(string? checkpointDirectory, IProgress<EpochProgress>? progress = null) => new()
    {
        HiddenLayers = 3, HiddenSize = 256, Epochs = Epochs, BatchSize = 64, Dropout = 0.2f, Seed = 7, Device = "cpu",
        ValidationFraction = 0.1f, CheckpointDirectory = checkpointDirectory, Progress = progress,
    };

    /// <summary>Trains on the first 4,000 bundled training digits and returns the model with the data it scores.</summary>
    public static (StableDeepTransformer Model, IDataView Test) Train(string dataDirectory, StableDeepOptions options)
    {
        var ml = new MLContext(seed: 1);
        var train = MnistDataset.Load(ml, dataDirectory, MnistSplit.Train, 4000);
        var keys = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(train);
        var model = ml.MulticlassClassification.Trainers.StableDeep(options).Fit(keys.Transform(train));
        return (model, MnistDataset.Load(ml, dataDirectory, MnistSplit.Test, 300));
    }
}
