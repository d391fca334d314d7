using Microsoft.ML;

namespace MLStability.Trainers;

/// <summary>Extension methods that add StableDeep trainers to ML.NET's catalogs.</summary>
public static class StableDeepCatalog
{
    /// <summary>
    /// Creates a <see cref="StableDeepTrainer"/> that trains a deep classifier (an MLP, a convolutional ResNet or a recurrent network, as <see cref="DeepNetworkOptions.Network"/> says) with the given options.
    /// </summary>
    /// <param name="catalog">The multiclass classification trainers catalog.</param>
    /// <param name="options">Column names, architecture and stability settings.</param>
    public static StableDeepTrainer StableDeep(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, StableDeepOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new StableDeepTrainer(HostEnvironmentAccess.From(catalog), options);
    }

    /// <summary>
    /// Creates a <see cref="StableDeepTrainer"/> with the stable preset and the given size.
    /// </summary>
    /// <param name="catalog">The multiclass classification trainers catalog.</param>
    /// <param name="labelColumnName">The label column, a key type.</param>
    /// <param name="featureColumnName">The feature column, a known-size vector of Single.</param>
    /// <param name="hiddenLayers">Number of hidden layers.</param>
    /// <param name="hiddenSize">Width of every hidden layer.</param>
    /// <param name="epochs">Passes over the training data.</param>
    public static StableDeepTrainer StableDeep(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label",
        string featureColumnName = "Features",
        int hiddenLayers = 4,
        int hiddenSize = 256,
        int epochs = 10)
    {
        return catalog.StableDeep(new StableDeepOptions
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            HiddenLayers = hiddenLayers,
            HiddenSize = hiddenSize,
            Epochs = epochs,
        });
    }
}
