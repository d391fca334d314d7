using Microsoft.ML;
using MLStability;
using MLStability.Transforms;
using MLStability.Trainers;

// In ML.NET's namespace, as ML.NET's own extension packages do: `using Microsoft.ML;` finds these methods.
namespace Microsoft.ML;

/// <summary>Extension methods that add the StableDeep featurizer and autoencoder to <c>mlContext.Transforms</c>.</summary>
public static class StableDeepTransformsCatalog
{
    /// <summary>
    /// Appends the penultimate-layer embedding of a fitted StableDeep model (multiclass, regression or binary) as a
    /// vector column, for transfer learning into any ML.NET trainer. The network is not trained again.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="model">A fitted StableDeep transformer, e.g. <c>model.OfType&lt;StableDeepTransformer&gt;().Single()</c>.</param>
    /// <param name="outputColumnName">The embedding column. Default "Embedding".</param>
    public static StableDeepFeaturizerEstimator StableDeepFeaturizer(this TransformsCatalog catalog, StableDeepPredictionTransformer model,
        string outputColumnName = "Embedding")
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        return new StableDeepFeaturizerEstimator(model.Network, model.TrainingOptions, model.FeatureColumnName, outputColumnName);
    }

    /// <summary>
    /// Creates an unsupervised deep autoencoder that appends an embedding and a reconstruction error (usable for
    /// anomaly detection). Registers MLStability with the MLContext so that saved autoencoders load again.
    /// </summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="options">Columns, embedding size, architecture and stability settings.</param>
    public static StableDeepAutoencoderEstimator StableDeepAutoencoder(this TransformsCatalog catalog, StableDeepAutoencoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new StableDeepAutoencoderEstimator(StableDeepCatalog.RegisteredEnvironment(catalog), options);
    }

    /// <summary>Creates a StableDeep autoencoder with the default architecture and the given sizes.</summary>
    /// <param name="catalog">The transforms catalog.</param>
    /// <param name="featureColumnName">The feature column, a known-size vector of Single.</param>
    /// <param name="embeddingSize">The bottleneck's width.</param>
    /// <param name="epochs">Passes over the training data; null: automatic (10, or more for at least 500 steps).</param>
    public static StableDeepAutoencoderEstimator StableDeepAutoencoder(this TransformsCatalog catalog, string featureColumnName = "Features",
        int embeddingSize = 32, int? epochs = null) =>
        catalog.StableDeepAutoencoder(new StableDeepAutoencoderOptions { FeatureColumnName = featureColumnName, EmbeddingSize = embeddingSize, Epochs = epochs });
}
