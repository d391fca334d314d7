using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLStability.Trainers;

/// <summary>
/// The part of Fit every StableDeep trainer shares: check the features and the input shape, read the rows through
/// a channel of the MLContext (so warnings and epoch lines reach its log), pick the seed, and train.
/// </summary>
internal static class TrainingRun
{
    /// <summary>Checks, reads and trains; returns what <paramref name="train"/> returns.</summary>
    /// <param name="environment">The MLContext's environment.</param>
    /// <param name="options">Validated options.</param>
    /// <param name="featureColumnName">The feature column.</param>
    /// <param name="input">The training data.</param>
    /// <param name="trainerName">The host's name in the log.</param>
    /// <param name="read">Reads the data set, given the feature count and the channel.</param>
    /// <param name="train">Trains on it.</param>
    public static TModel Fit<TData, TModel>(IHostEnvironment environment, DeepNetworkOptions options, string featureColumnName, IDataView input,
        string trainerName, Func<int, IChannel, TData> read, Func<NetworkTrainer, TData, TModel> train)
    {
        ArgumentNullException.ThrowIfNull(input);
        int featureCount = InputSchemaChecks.CheckFeatures(input.Schema, featureColumnName);
        options.ValidateInputShape(featureCount, featureColumnName);
        IHost host = environment.Register(trainerName);
        using IChannel channel = host.Start("Training");
        var data = read(featureCount, channel);
        int seed = options.Seed ?? host.Rand.Next();
        return train(new NetworkTrainer(options, seed, message => channel.Info(MessageSensitivity.None, message)), data);
    }

    /// <summary>
    /// <see cref="Fit"/> for the supervised trainers: reads the rows into memory or streams them, as
    /// <see cref="DeepNetworkOptions.DataLoading"/> decides (<see cref="DataLoading"/>), and trains on them.
    /// </summary>
    public static TrainedNetwork FitSupervised(IHostEnvironment environment, DeepNetworkOptions options, string featureColumnName,
        IDataView input, string trainerName, LabelColumn label) =>
        Fit(environment, options, featureColumnName, input, trainerName,
            (featureCount, channel) => DataLoading.Load(options, input, label, featureColumnName, featureCount, channel),
            (trainer, rows) => rows switch
            {
                { Streamed: IRowSource source } => trainer.Train(source),
                { InMemory: ClassificationData classes } => trainer.Train(classes),
                { InMemory: RegressionData targets } => trainer.Train(targets),
                _ => throw new InvalidOperationException("No rows were loaded."),
            });
}
