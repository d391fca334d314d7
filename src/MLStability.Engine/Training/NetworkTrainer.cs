using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Trains networks: validates the options, resolves the device, seeds every generator, splits off the validation
/// rows, builds the network that the options name and runs a <see cref="TrainingSession"/> (mini-batches of the data's
/// objective with the clipping, optimizer, schedule, recovery and diagnostics that the options name).
/// </summary>
internal sealed class NetworkTrainer
{
    private readonly DeepNetworkOptions options;
    private readonly int seed;
    private readonly Action<string>? log;
    private readonly IReadOnlyList<ITrainingObserver> observers;

    /// <param name="options">Validated before training starts.</param>
    /// <param name="seed">Seeds initialization, shuffling, dropout and the validation split.</param>
    /// <param name="log">Receives one line per epoch and notable events.</param>
    /// <param name="observers">Hooks called by the loop.</param>
    public NetworkTrainer(DeepNetworkOptions options, int seed, Action<string>? log = null,
        IReadOnlyList<ITrainingObserver>? observers = null)
    {
        options.Validate();
        this.options = options;
        this.seed = seed;
        this.log = log;
        this.observers = observers ?? Array.Empty<ITrainingObserver>();
    }

    /// <summary>Trains a classifier (cross-entropy) and returns it ready for inference.</summary>
    public TrainedClassifier Train(ClassificationData data)
    {
        var (network, device, report, scaling) = Fit(data);
        return new TrainedClassifier(network, device, data.FeatureCount, data.ClassCount, report, scaling);
    }

    /// <summary>
    /// Trains a network on real-valued targets with the data's objective (regression, or binary classification with
    /// binary cross-entropy on logits) and returns it ready for inference; its outputs are raw.
    /// </summary>
    public TrainedNetwork Train(RegressionData data)
    {
        var (network, device, report, scaling) = Fit(data);
        return new TrainedNetwork(network, device, data.FeatureCount, data.OutputCount, report, scaling);
    }

    /// <summary>
    /// Trains an MLP autoencoder (the options' hidden layers, a bottleneck of <paramref name="embeddingSize"/>, the
    /// mirrored decoder) to reconstruct <paramref name="features"/> with mean squared error.
    /// </summary>
    public TrainedAutoencoder TrainAutoencoder(float[] features, int featureCount, int embeddingSize)
    {
        if (options.Network != NetworkKind.Mlp)
            throw new ArgumentException($"The autoencoder is an MLP: set Network = Mlp (got {options.Network}).", nameof(options.Network));
        var data = new RegressionData(features, features, featureCount, featureCount, targetsAreFeatures: true);
        var (network, device, report, scaling) = Fit(data, sized => new AutoencoderNetwork(featureCount, embeddingSize, sized));
        return new TrainedAutoencoder((AutoencoderNetwork)network, device, featureCount, report, scaling);
    }

    /// <summary>
    /// Runs the learning-rate range test (<see cref="LearningRateFinder"/>) on a network built and initialized exactly
    /// as <see cref="Train(ClassificationData)"/> would build it, on the same training rows (validation rows held out);
    /// the network is discarded afterwards.
    /// </summary>
    public LearningRateRangeTest FindLearningRate(SupervisedData data, LearningRateFinderOptions settings)
    {
        settings.Validate();
        return WithPreparedNetwork(data, null, (network, device, train, validation, scaling, kernelRoutes) =>
        {
            using var tensors = DeviceTensors.Create(train, device, scaling);
            var test = LearningRateFinder.Run(options, settings, network, device, tensors, train.Objective, seed);
            network.Dispose();
            log?.Invoke(test.ToString());
            return test;
        });
    }

    private (DeepNetwork Network, torch.Device Device, TrainingReport Report, DataScaling Scaling) Fit(SupervisedData data, Func<DeepNetworkOptions, DeepNetwork>? build = null) =>
        WithPreparedNetwork(data, build, (network, device, train, validation, scaling, kernelRoutes) =>
        {
            var sessionObservers = options.TensorBoardDirectory is string tensorBoard
                ? observers.Append(new TensorBoardObserver(tensorBoard, options.DiagnosticsInterval)).ToArray()
                : observers;
            using var session = new TrainingSession(options, network, device, train, validation, seed, log, sessionObservers, kernelRoutes, scaling);
            var report = session.Run();
            network.eval();
            network.CaptureActivations(false);
            return (network, device, report, scaling);
        });

    /// <summary>
    /// What every fit does before its loop, under the training lock: resolve the device, seed, split, fit the scaling,
    /// size and build the network, initialize it (LSUV included) and check the kernels; then <paramref name="use"/>.
    /// The network is disposed if <paramref name="use"/> throws.
    /// </summary>
    private T WithPreparedNetwork<T>(SupervisedData data, Func<DeepNetworkOptions, DeepNetwork>? build,
        Func<DeepNetwork, torch.Device, SupervisedData, SupervisedData?, DataScaling, IReadOnlyList<KernelRoute>, T> use)
    {
        if (data.Rows == 0)
            throw new ArgumentException("The training data has no rows.", nameof(data));
        options.ValidateInputShape(data.FeatureCount);
        lock (TorchRuntime.TrainingLock)
        {
            torch.Device device = DeviceSelector.Resolve(options.Device);
            TorchRuntime.Seed(seed, device);
            var (train, validation) = Split(data);
            var scaling = DataScaling.Fit(train, options);
            var sized = options.WithSizesFor(train.Rows);
            log?.Invoke($"Training {NetworkFactory.Describe(sized)} on {train.Rows} rows " +
                        $"({validation?.Rows ?? 0} held out for validation), {data.FeatureCount} features, " +
                        $"{data.OutputCount} outputs, on {device}.");

            var network = build?.Invoke(sized) ?? NetworkFactory.Create(data.FeatureCount, data.OutputCount, sized);
            network.to(device);
            try
            {
                if (options.Initialization == InitializationKind.Lsuv)
                    InitializeLsuv(network, train, scaling, device);
                var kernelRoutes = KernelSelfCheck.Prepare(network, options, device, log);
                return use(network, device, train, validation, scaling, kernelRoutes);
            }
            catch
            {
                network.Dispose();
                throw;
            }
        }
    }

    private (SupervisedData Train, SupervisedData? Validation) Split(SupervisedData data)
    {
        int validationRows = (int)Math.Round(data.Rows * (double)options.ValidationFraction);
        if (validationRows == 0)
            return (data, null);
        if (validationRows >= data.Rows)
            throw new ArgumentException(
                $"ValidationFraction = {options.ValidationFraction} leaves no training rows out of {data.Rows}.");
        int[] order = Enumerable.Range(0, data.Rows).ToArray();
        new Random(seed).Shuffle(order);
        return (data.Subset(order.AsSpan(validationRows)), data.Subset(order.AsSpan(0, validationRows)));
    }

    /// <summary>LSUV's data-driven rescaling, on up to 256 training rows chosen with the fit's seed.</summary>
    private void InitializeLsuv(DeepNetwork network, SupervisedData train, DataScaling scaling, torch.Device device)
    {
        if (network is not MlpNetwork mlp)
            throw new ArgumentException($"Initialization = Lsuv is implemented for Network = Mlp; this is a {network.GetType().Name}. " +
                                        "Use Orthogonal or HeNormal.", nameof(DeepNetworkOptions.Initialization));
        int rows = Math.Min(LsuvInitializer.BatchRows, train.Rows);
        int[] order = Enumerable.Range(0, train.Rows).ToArray();
        new Random(seed).Shuffle(order);
        var values = new float[rows * train.FeatureCount];
        for (int r = 0; r < rows; r++)
            Array.Copy(train.Features, (long)order[r] * train.FeatureCount, values, (long)r * train.FeatureCount, train.FeatureCount);
        using var scope = torch.NewDisposeScope();
        Tensor batch = torch.tensor(values, new long[] { rows, train.FeatureCount });
        if (scaling.Features is AffineScaling features)
            batch = features.Apply(batch);
        var variances = LsuvInitializer.Apply(mlp, batch.to(device));
        log?.Invoke($"LSUV: output variances after rescaling, first layer to head: {string.Join(", ", variances.Select(v => v.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}.");
    }
}
