using Microsoft.ML;
using MLStability;
using MLStability.Trainers;

// In ML.NET's namespace, as ML.NET's own extension packages do: `using Microsoft.ML;` finds these methods.
namespace Microsoft.ML;

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
    /// <param name="hiddenLayers">Number of hidden layers; null: automatic (4, or a linear model where cross-validation on a small table favours it).</param>
    /// <param name="hiddenSize">Width of every hidden layer; null: automatic, from the training rows (32 to 256).</param>
    /// <param name="epochs">Passes over the training data; null: automatic (10, or more for at least 500 steps).</param>
    public static StableDeepTrainer StableDeep(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label",
        string featureColumnName = "Features",
        int? hiddenLayers = null,
        int? hiddenSize = null,
        int? epochs = null)
    {
        return catalog.StableDeep(Simple(labelColumnName, featureColumnName, hiddenLayers, hiddenSize, epochs));
    }
    /// <summary>
    /// Creates a <see cref="StableDeepRegressionTrainer"/>: a deep regressor with the given options (label: Single).
    /// Registers MLStability with the MLContext so that its saved regression models load again.
    /// </summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="options">Column names, loss, architecture and stability settings.</param>
    public static StableDeepRegressionTrainer StableDeep(this RegressionCatalog.RegressionTrainers catalog, StableDeepOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new StableDeepRegressionTrainer(RegisteredEnvironment(catalog), options);
    }

    /// <summary>Creates a <see cref="StableDeepRegressionTrainer"/> with the stable preset and the given size.</summary>
    /// <param name="catalog">The regression trainers catalog.</param>
    /// <param name="labelColumnName">The label column, Single.</param>
    /// <param name="featureColumnName">The feature column, a known-size vector of Single.</param>
    /// <param name="hiddenLayers">Number of hidden layers; null: automatic (4, or a linear model where cross-validation on a small table favours it).</param>
    /// <param name="hiddenSize">Width of every hidden layer; null: automatic, from the training rows (32 to 256).</param>
    /// <param name="epochs">Passes over the training data; null: automatic (10, or more for at least 500 steps).</param>
    public static StableDeepRegressionTrainer StableDeep(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int? hiddenLayers = null, int? hiddenSize = null, int? epochs = null) =>
        catalog.StableDeep(Simple(labelColumnName, featureColumnName, hiddenLayers, hiddenSize, epochs));

    /// <summary>
    /// Creates a <see cref="StableDeepBinaryTrainer"/>: a deep binary classifier with the given options (label: Boolean).
    /// Registers MLStability with the MLContext so that its saved binary models load again.
    /// </summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="options">Column names, class weight, architecture and stability settings.</param>
    public static StableDeepBinaryTrainer StableDeep(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, StableDeepOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new StableDeepBinaryTrainer(RegisteredEnvironment(catalog), options);
    }

    /// <summary>Creates a <see cref="StableDeepBinaryTrainer"/> with the stable preset and the given size.</summary>
    /// <param name="catalog">The binary classification trainers catalog.</param>
    /// <param name="labelColumnName">The label column, Boolean.</param>
    /// <param name="featureColumnName">The feature column, a known-size vector of Single.</param>
    /// <param name="hiddenLayers">Number of hidden layers; null: automatic (4, or a linear model where cross-validation on a small table favours it).</param>
    /// <param name="hiddenSize">Width of every hidden layer; null: automatic, from the training rows (32 to 256).</param>
    /// <param name="epochs">Passes over the training data; null: automatic (10, or more for at least 500 steps).</param>
    public static StableDeepBinaryTrainer StableDeep(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int? hiddenLayers = null, int? hiddenSize = null, int? epochs = null) =>
        catalog.StableDeep(Simple(labelColumnName, featureColumnName, hiddenLayers, hiddenSize, epochs));

    private static StableDeepOptions Simple(string labelColumnName, string featureColumnName, int? hiddenLayers, int? hiddenSize, int? epochs) => new()
    {
        LabelColumnName = labelColumnName,
        FeatureColumnName = featureColumnName,
        HiddenLayers = hiddenLayers,
        HiddenSize = hiddenSize,
        Epochs = epochs,
    };

    /// <summary>The catalog's environment, with this assembly registered (saved regression and binary models need it to load).</summary>
    internal static Microsoft.ML.Runtime.IHostEnvironment RegisteredEnvironment(object catalog)
    {
        var environment = HostEnvironmentAccess.From(catalog);
        ScalarScoringChain.RegisterWith(environment);
        return environment;
    }
}
