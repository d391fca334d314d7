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
        return WithPreparedNetwork(data, null, fit =>
        {
            using var tensors = DeviceTensors.Create(fit.Train, fit.Device, fit.Scaling);
            var test = LearningRateFinder.Run(options, settings, fit.Network, fit.Device, tensors, fit.Train.Objective, seed);
            fit.Network.Dispose();
            log?.Invoke(test.ToString());
            return test;
        });
    }

    private (DeepNetwork Network, torch.Device Device, TrainingReport Report, DataScaling Scaling) Fit(SupervisedData data, Func<DeepNetworkOptions, DeepNetwork>? build = null) =>
        WithPreparedNetwork(data, build, fit =>
        {
            var sessionObservers = options.TensorBoardDirectory is string tensorBoard
                ? observers.Append(new TensorBoardObserver(tensorBoard, options.DiagnosticsInterval)).ToArray()
                : observers;
            using var session = new TrainingSession(options, fit, seed, log, sessionObservers);
            var report = session.Run();
            fit.Network.eval();
            fit.Network.CaptureActivations(false);
            return (fit.Network, fit.Device, report, fit.Scaling);
        });

    /// <summary>
    /// What every fit does before its loop, under the training lock: resolve the device, seed, split, fit the scaling,
    /// size and build the network, initialize it (LSUV included), check the kernels and prepare bfloat16 steps when
    /// asked; then <paramref name="use"/>. The network is disposed if <paramref name="use"/> throws.
    /// </summary>
    private T WithPreparedNetwork<T>(SupervisedData data, Func<DeepNetworkOptions, DeepNetwork>? build, Func<PreparedFit, T> use)
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

            DeepNetwork Build() => build?.Invoke(sized) ?? NetworkFactory.Create(data.FeatureCount, data.OutputCount, sized);
            var network = Build();
            network.to(device);
            BFloat16Compute? precision = null;
            try
            {
                if (options.Initialization == InitializationKind.Lsuv)
                    InitializeLsuv(network, train, scaling, device);
                var kernelRoutes = KernelSelfCheck.Prepare(network, options, device, log);
                if (options.Precision == PrecisionKind.BFloat16)
                    (precision, kernelRoutes) = PrepareBFloat16(network, Build, train, scaling, device, kernelRoutes);
                return use(new PreparedFit(network, device, train, validation, scaling, kernelRoutes, precision));
            }
            catch
            {
                network.Dispose();
                throw;
            }
            finally
            {
                precision?.Dispose();
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

    /// <summary>
    /// Builds the bfloat16 copy, routes its kernels as the master's, and checks it against the master on up to 64
    /// training rows; on a CPU without bfloat16 instructions it warns that the steps will be slower. Returns null (train
    /// in float32) when the copy disagrees, with the verdict added to the kernel routes either way.
    /// </summary>
    private (BFloat16Compute? Precision, IReadOnlyList<KernelRoute> Routes) PrepareBFloat16(DeepNetwork network, Func<DeepNetwork> build,
        SupervisedData train, DataScaling scaling, torch.Device device, IReadOnlyList<KernelRoute> routes)
    {
        if (!BFloat16Support.IsNative(device))
            log?.Invoke($"Warning: Precision = BFloat16 on {KernelSelfCheck.Processor}, which has no AVX512_BF16 or AMX: LibTorch " +
                        "emulates bfloat16 there, and the steps are slower than in float32 (docs/performance.md).");
        var copy = build();
        copy.to(device);
        var precision = new BFloat16Compute(network, copy);
        KernelSelfCheck.Prepare(copy, options, device, log: null); // the master's verdicts (cached): the same routes
        if (KernelSelfCheck.Mode == KernelRoutingMode.Library)
            return (precision, routes);
        double error;
        using (var scope = torch.NewDisposeScope())
        using (var generator = new torch.Generator((ulong)seed))
            error = precision.AgreementError(SampleRows(train, scaling, device, 64), generator);
        bool agrees = error <= BFloat16Compute.AllowedError;
        var verdict = new KernelRoute("BFloat16", NetworkFactory.Describe(options.WithSizesFor(train.Rows)),
            agrees ? KernelSelfCheck.LibraryRoute : nameof(PrecisionKind.Float32), error, agrees ? error : 0, BFloat16Compute.AllowedError);
        log?.Invoke(agrees
            ? $"BFloat16 steps: the bfloat16 network agrees with the float32 one within {KernelSelfCheck.Format(error)} (allowed {KernelSelfCheck.Format(BFloat16Compute.AllowedError)})."
            : $"Warning: the bfloat16 network is off by {KernelSelfCheck.Format(error)} from the float32 one (allowed " +
              $"{KernelSelfCheck.Format(BFloat16Compute.AllowedError)}) on {KernelSelfCheck.Processor}: training in float32 instead.");
        if (!agrees)
        {
            precision.Dispose();
            precision = null;
        }
        return (precision, routes.Append(verdict).ToArray());
    }

    /// <summary>Up to <paramref name="count"/> training rows chosen with the fit's seed, scaled, on the device.</summary>
    private Tensor SampleRows(SupervisedData train, DataScaling scaling, torch.Device device, int count)
    {
        int rows = Math.Min(count, train.Rows);
        int[] order = Enumerable.Range(0, train.Rows).ToArray();
        new Random(seed).Shuffle(order);
        var values = new float[rows * train.FeatureCount];
        for (int r = 0; r < rows; r++)
            Array.Copy(train.Features, (long)order[r] * train.FeatureCount, values, (long)r * train.FeatureCount, train.FeatureCount);
        Tensor batch = torch.tensor(values, new long[] { rows, train.FeatureCount });
        if (scaling.Features is AffineScaling features)
            batch = features.Apply(batch);
        return batch.to(device);
    }

    /// <summary>LSUV's data-driven rescaling, on up to 256 training rows chosen with the fit's seed.</summary>
    private void InitializeLsuv(DeepNetwork network, SupervisedData train, DataScaling scaling, torch.Device device)
    {
        if (network is not MlpNetwork mlp)
            throw new ArgumentException($"Initialization = Lsuv is implemented for Network = Mlp; this is a {network.GetType().Name}. " +
                                        "Use Orthogonal or HeNormal.", nameof(DeepNetworkOptions.Initialization));
        using var scope = torch.NewDisposeScope();
        var variances = LsuvInitializer.Apply(mlp, SampleRows(train, scaling, device, LsuvInitializer.BatchRows));
        log?.Invoke($"LSUV: output variances after rescaling, first layer to head: {string.Join(", ", variances.Select(v => v.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))}.");
    }
}

/// <summary>A fit ready for its loop: the network on its device, the split data, the scaling, the kernel verdicts and
/// the bfloat16 copy when <see cref="DeepNetworkOptions.Precision"/> asks for one (and it passed its check).</summary>
internal sealed record PreparedFit(DeepNetwork Network, torch.Device Device, SupervisedData Train, SupervisedData? Validation,
    DataScaling Scaling, IReadOnlyList<KernelRoute> KernelRoutes, BFloat16Compute? Precision);
