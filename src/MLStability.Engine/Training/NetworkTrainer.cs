using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// Trains networks: validates the options, resolves the device, seeds every generator, splits off the validation
/// rows, on a small in-memory table with an automatic HiddenLayers lets <see cref="DepthSelector"/> choose the depth,
/// builds the network that the options name and runs a <see cref="TrainingSession"/> (mini-batches of the data's
/// objective with the clipping, optimizer, schedule, recovery and diagnostics that the options name).
/// </summary>
internal sealed class NetworkTrainer
{
    private readonly DeepNetworkOptions options;
    private readonly int seed;
    private readonly Action<string>? log;
    private readonly IReadOnlyList<ITrainingObserver> observers;
    private DepthSelection? depthSelection;
    private EmbeddingSelection? embeddingSelection;
    private StackedParts? stackedParts;
    private DataScaling? sharedScaling; // fitted once for a cross-validation's folds and its final fit

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
    /// Trains on rows streamed from <paramref name="source"/> (<see cref="DataLoadingKind.Streaming"/>): one pass counts
    /// the rows and samples the training rows for the scaling, then every epoch reads the source again. Returns a
    /// <see cref="TrainedClassifier"/> for cross-entropy, else a network with raw outputs.
    /// </summary>
    public TrainedNetwork Train(IRowSource source)
    {
        var (network, device, report, scaling) = Fit(Streamed(source), null);
        return source.Objective == TrainingObjective.CrossEntropy
            ? new TrainedClassifier(network, device, source.FeatureCount, source.OutputCount, report, scaling)
            : new TrainedNetwork(network, device, source.FeatureCount, source.OutputCount, report, scaling);
    }

    /// <summary>
    /// Trains an MLP autoencoder (the options' hidden layers, a bottleneck of <paramref name="embeddingSize"/>, the
    /// mirrored decoder) to reconstruct <paramref name="features"/> with mean squared error.
    /// </summary>
    public TrainedAutoencoder TrainAutoencoder(float[] features, int featureCount, int embeddingSize)
    {
        var data = new RegressionData(features, features, featureCount, featureCount, targetsAreFeatures: true);
        return TrainAutoencoder(InMemory(data), featureCount, embeddingSize);
    }

    /// <summary>The autoencoder on rows streamed from <paramref name="source"/> (whose targets are its features).</summary>
    public TrainedAutoencoder TrainAutoencoder(IRowSource source, int embeddingSize)
    {
        if (!source.TargetsAreFeatures)
            throw new ArgumentException("An autoencoder's rows are their own targets.", nameof(source));
        return TrainAutoencoder(Streamed(source), source.FeatureCount, embeddingSize);
    }

    private TrainedAutoencoder TrainAutoencoder(FitInput input, int featureCount, int embeddingSize)
    {
        if (options.Network != NetworkKind.Mlp)
            throw new ArgumentException($"The autoencoder is an MLP: set Network = Mlp (got {options.Network}).", nameof(options.Network));
        var (network, device, report, scaling) = Fit(input, sized => new AutoencoderNetwork(featureCount, embeddingSize, sized));
        return new TrainedAutoencoder((AutoencoderNetwork)network, device, featureCount, report, scaling);
    }

    /// <summary>
    /// Runs the learning-rate range test (<see cref="LearningRateFinder"/>) on a network built and initialized exactly
    /// as <see cref="Train(ClassificationData)"/> would build it, on the same training rows (validation rows held out);
    /// the network is discarded afterwards.
    /// </summary>
    public LearningRateRangeTest FindLearningRate(SupervisedData data, LearningRateFinderOptions settings)
    {
        var trainer = WithDepthFor(data).WithEmbeddingFor(data);
        using (trainer.stackedParts)
            return trainer.FindLearningRate(trainer.InMemory(data), settings);
    }

    /// <summary>The range test on streamed data, reading the batches as training would.</summary>
    public LearningRateRangeTest FindLearningRate(IRowSource source, LearningRateFinderOptions settings) =>
        FindLearningRate(Streamed(source), settings);

    private LearningRateRangeTest FindLearningRate(FitInput input, LearningRateFinderOptions settings)
    {
        settings.Validate();
        return WithPreparedNetwork(input, null, fit =>
        {
            int batchSize = (int)Math.Min(options.BatchSize, fit.TrainingRows);
            using var batches = fit.CreateBatches(batchSize);
            var test = LearningRateFinder.Run(options, settings, fit.Network, batches, batchSize, fit.Objective);
            fit.Network.Dispose();
            log?.Invoke(test.ToString());
            return test;
        });
    }

    private (DeepNetwork Network, torch.Device Device, TrainingReport Report, DataScaling Scaling) Fit(SupervisedData data)
    {
        var trainer = WithDepthFor(data).WithEmbeddingFor(data);
        using var parts = trainer.stackedParts;
        var fit = trainer.Fit(trainer.InMemory(data), null);
        if (parts is null)
            return fit;
        try
        {
            if (parts.Members.Count > 0)
            {
                ((MlpNetwork)fit.Network).AddMembers(parts.TakeMembers());
                log?.Invoke($"Ensemble: this MLP and the cross-validation's {parts.Members.Count} fold MLPs (consecutive seeds, each trained on its folds' rows), averaged.");
            }
            if (parts.Shortcut is LinearShortcut shortcut)
                AddLinearShortcut((MlpNetwork)fit.Network, shortcut, Split(data).Train);
        }
        catch
        {
            fit.Network.Dispose();
            throw;
        }
        return fit;
    }

    /// <summary>
    /// Fits one network of this trainer's options per (rows, seed), as <see cref="Fit(FitInput, Func{DeepNetworkOptions, DeepNetwork}?)"/>
    /// would one by one; where the options allow, those with the same batches per epoch train side by side in one
    /// <see cref="Ensembles.PackedTraining"/> pack, which costs about one fit's time. A pack that gives up (an unstable
    /// member, a packed kernel that disagrees with its members) leaves its members to the fits one by one, which recover
    /// as every fit does. A member whose training diverged has no network and its <see cref="TrainingDivergedException"/>.
    /// </summary>
    /// <param name="members">Each member's training rows and seed.</param>
    /// <param name="scaling">The scaling every member uses, or null for each its own, fitted on its rows.</param>
    internal IReadOnlyList<MemberFit> FitMembers(IReadOnlyList<(SupervisedData Rows, int Seed)> members, DataScaling? scaling = null)
    {
        var results = new MemberFit?[members.Count];
        lock (TorchRuntime.TrainingLock)
        {
            if (members.Count > 1 && Ensembles.PackedTraining.Unsupported(options) is null)
            {
                var groups = Enumerable.Range(0, members.Count).GroupBy(i =>
                {
                    int batchSize = Math.Min(options.BatchSize, members[i].Rows.Rows);
                    return (batchSize, Steps: (members[i].Rows.Rows + batchSize - 1) / batchSize);
                });
                foreach (var group in groups.Where(g => g.Count() > 1))
                    FitPacked(members, group.ToArray(), group.Key.batchSize, scaling, results);
            }
            for (int i = 0; i < members.Count; i++)
                results[i] ??= FitAlone(members[i].Rows, members[i].Seed, scaling);
        }
        return results!;
    }

    /// <summary>Trains members <paramref name="indices"/> as one pack; on success fills their results.</summary>
    private void FitPacked(IReadOnlyList<(SupervisedData Rows, int Seed)> members, int[] indices, int batchSize, DataScaling? scaling, MemberFit?[] results)
    {
        var fits = new List<PreparedFit>();
        string? failure;
        try
        {
            foreach (int i in indices)
            {
                var trainer = new NetworkTrainer(options, members[i].Seed) { sharedScaling = scaling };
                fits.Add(trainer.WithPreparedNetwork(trainer.InMemory(members[i].Rows), null, fit => fit));
            }
            failure = Ensembles.PackedTraining.TryTrain(options, fits, indices.Select(i => members[i].Seed).ToArray(), batchSize);
        }
        catch
        {
            fits.ForEach(f => f.Network.Dispose());
            throw;
        }
        if (failure is not null)
        {
            log?.Invoke($"Packed training of {fits.Count} networks gave up ({failure}): training them one by one.");
            fits.ForEach(f => f.Network.Dispose());
            return;
        }
        for (int j = 0; j < indices.Length; j++)
            results[indices[j]] = new MemberFit(fits[j].Network, fits[j].Device, fits[j].Scaling, null);
    }

    /// <summary>One member's fit of its own, with the full loop (recovery included).</summary>
    private MemberFit FitAlone(SupervisedData rows, int memberSeed, DataScaling? scaling)
    {
        var trainer = new NetworkTrainer(options, memberSeed) { sharedScaling = scaling };
        try
        {
            var (network, device, _, fitted) = trainer.Fit(trainer.InMemory(rows), null);
            return new MemberFit(network, device, fitted, null);
        }
        catch (TrainingDivergedException diverged)
        {
            return new MemberFit(null, null, null, diverged);
        }
    }

    /// <summary>
    /// Trains the stacked linear model on the rows the MLP trained on (the same scaling, fitted on the same rows) and
    /// adds it to <paramref name="network"/> with the cross-validated weights.
    /// </summary>
    private void AddLinearShortcut(MlpNetwork network, LinearShortcut shortcut, SupervisedData train)
    {
        var linearTrainer = new NetworkTrainer(shortcut.LinearOptions, seed);
        var (linear, _, report, _) = linearTrainer.Fit(linearTrainer.InMemory(train), null);
        using (linear)
            network.AddLinearShortcut(linear.Head, shortcut.LinearWeight, shortcut.NetworkWeight, shortcut.Offsets);
        log?.Invoke($"Linear shortcut: a linear model trained on the same rows (loss {report.Epochs[^1].Progress.TrainingLoss:G4}), " +
                    $"output = {shortcut.LinearWeight:G3} x linear + {shortcut.NetworkWeight:G3} x MLP.");
    }

    /// <summary>
    /// This trainer, or when HiddenLayers is automatic and the table small (<see cref="DepthSelector"/>), a trainer
    /// whose HiddenLayers the cross-validation on the training rows chose.
    /// </summary>
    private NetworkTrainer WithDepthFor(SupervisedData data)
    {
        if (!DepthSelector.Applies(options, data.Rows))
            return this;
        var (train, _) = Split(data);
        if (!DepthSelector.Applies(options, train.Rows))
            return this;
        var (chosen, selection, parts, scaling) = DepthSelector.Select(options, train, seed);
        log?.Invoke($"Depth selection: {selection}.");
        return new NetworkTrainer(chosen, seed, log, observers) { depthSelection = selection, stackedParts = parts, sharedScaling = scaling };
    }

    /// <summary>This trainer, or one whose automatic NumericEmbedding was chosen on held-out rows (<see cref="EmbeddingSelector"/>).</summary>
    private NetworkTrainer WithEmbeddingFor(SupervisedData data)
    {
        // Checked before the split too: the split copies the rows when some are held out for validation.
        if (!EmbeddingSelector.Applies(options, data.Rows, data.FeatureCount))
            return this;
        var (train, _) = Split(data);
        if (!EmbeddingSelector.Applies(options, train.Rows, train.FeatureCount))
            return this;
        var (chosen, selection, scaling) = EmbeddingSelector.Select(options, train, seed);
        log?.Invoke($"Embedding selection: {selection}.");
        return new NetworkTrainer(chosen, seed, log, observers) { embeddingSelection = selection, sharedScaling = scaling };
    }

    /// <summary>
    /// Trains one network per fold on the fold's training rows (<see cref="FitMembers"/>, fold i from seed + 1 + i, all
    /// with <paramref name="scaling"/>) and returns each fold's outputs on its held-out rows, the scaled targets of those
    /// rows and the objective's loss per row, with the trained network; both null for a fold whose training diverged or
    /// whose outputs are not finite. What <see cref="DepthSelector"/> compares, stacks and reuses. The held-out rows are
    /// not the fit's validation rows: a fit keeps its best validation epoch's weights, which would be chosen on the very
    /// rows they are judged on.
    /// </summary>
    internal IReadOnlyList<(HeldOutResult? Result, DeepNetwork? Network)> HeldOut(IReadOnlyList<(SupervisedData Train, SupervisedData HeldOut)> folds,
        DataScaling scaling)
    {
        var fits = FitMembers(folds.Select((f, i) => (f.Train, unchecked(seed + 1 + i))).ToArray(), scaling);
        var results = new (HeldOutResult?, DeepNetwork?)[folds.Count];
        for (int i = 0; i < folds.Count; i++)
        {
            if (fits[i].Network is not DeepNetwork network)
                continue;
            var result = Evaluate(network, fits[i].Device!, scaling, folds[i].HeldOut);
            if (result is null)
                network.Dispose();
            results[i] = (result, result is null ? null : network);
        }
        return results;
    }

    /// <summary>A trained network's outputs, the scaled targets and the loss per row on <paramref name="heldOut"/>; null when not finite.</summary>
    private static HeldOutResult? Evaluate(DeepNetwork network, torch.Device device, DataScaling scaling, SupervisedData heldOut)
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        using var rows = DeviceTensors.Create(heldOut, device, scaling);
        Tensor outputs = network.forward(rows.Features);
        double loss = heldOut.Objective.Loss(outputs, rows.Targets).item<float>();
        if (!double.IsFinite(loss) || !outputs.isfinite().all().item<bool>())
            return null;
        return new HeldOutResult(loss, outputs.cpu().DetachFromDisposeScope(), rows.Targets.cpu().clone().DetachFromDisposeScope());
    }

    private (DeepNetwork Network, torch.Device Device, TrainingReport Report, DataScaling Scaling) Fit(FitInput input, Func<DeepNetworkOptions, DeepNetwork>? build) =>
        WithPreparedNetwork(input, build, fit =>
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
    private T WithPreparedNetwork<T>(FitInput input, Func<DeepNetworkOptions, DeepNetwork>? build, Func<PreparedFit, T> use)
    {
        options.ValidateInputShape(input.FeatureCount);
        lock (TorchRuntime.TrainingLock)
        {
            torch.Device device = DeviceSelector.Resolve(options.Device);
            TorchRuntime.Seed(seed, device);
            input.Split();
            var train = input.StatisticsRows;
            var scaling = sharedScaling ?? DataScaling.Fit(train, options);
            var sized = options.WithSizesFor((int)Math.Min(int.MaxValue, input.TrainingRows));
            log?.Invoke($"Training {NetworkFactory.Describe(sized)} on {input.TrainingRows} rows " +
                        $"({input.ValidationRows} held out for validation), {input.FeatureCount} features, " +
                        $"{input.OutputCount} outputs, on {device}{input.Description}.");

            DeepNetwork Build() => build?.Invoke(sized) ?? NetworkFactory.Create(input.FeatureCount, input.OutputCount, sized);
            var network = Build();
            network.to(device);
            BFloat16Compute? precision = null;
            try
            {
                if (options.Initialization == InitializationKind.Lsuv)
                    InitializeLsuv(network, train, scaling, device);
                long batch = Math.Min(options.BatchSize, input.TrainingRows); // what TrainingSession trains on
                var kernelRoutes = KernelSelfCheck.Prepare(network, options, device, batch, log);
                if (AutomaticPrecision.Resolve(options, network, batch, device) == PrecisionKind.BFloat16)
                    (precision, kernelRoutes) = PrepareBFloat16(network, Build, train, scaling, device, batch, kernelRoutes);
                return use(new PreparedFit(network, device, train, input.TrainingRows, input.Objective, scaling, kernelRoutes, precision,
                    batchSize => input.CreateBatches(scaling, device, batchSize)) { DepthSelection = depthSelection, EmbeddingSelection = embeddingSelection });
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

    private FitInput InMemory(SupervisedData data)
    {
        if (data.Rows == 0)
            throw new ArgumentException("The training data has no rows.", nameof(data));
        return new InMemoryInput(data, this);
    }

    /// <summary>A streamed source, after the summary pass that counts, checks and samples its rows.</summary>
    private FitInput Streamed(IRowSource source) =>
        new StreamedInput(source, StreamingSummary.Collect(source, seed, options.ValidationFraction), this);

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
    /// in float32) when the copy disagrees, with the verdict added to the kernel routes either way. Under
    /// <see cref="PrecisionKind.Auto"/> the choice and a disagreement are logged as facts, not warnings: the user asked
    /// for the faster of two correct formats, and got a correct one.
    /// </summary>
    private (BFloat16Compute? Precision, IReadOnlyList<KernelRoute> Routes) PrepareBFloat16(DeepNetwork network, Func<DeepNetwork> build,
        SupervisedData train, DataScaling scaling, torch.Device device, long batch, IReadOnlyList<KernelRoute> routes)
    {
        bool automatic = options.Precision == PrecisionKind.Auto;
        if (automatic)
            log?.Invoke($"Precision = Auto: bfloat16 steps ({(device.type == DeviceType.CUDA ? "CUDA" : BFloat16Support.CpuBFloat16Instructions ?? "native bfloat16")}, " +
                        $"{AutomaticPrecision.MultiplyAddsPerRow(network) * batch / 1e6:F1} M multiply-adds per step, at least " +
                        $"{AutomaticPrecision.MinimumMultiplyAddsPerStep / 1e6:F1} M), if the bfloat16 network passes its check.");
        else if (!BFloat16Support.IsNative(device))
            log?.Invoke($"Warning: Precision = BFloat16 on {KernelSelfCheck.Processor}, which has no AVX512_BF16 or AMX: LibTorch " +
                        "emulates bfloat16 there, and the steps are slower than in float32 (docs/performance.md).");
        var copy = build();
        copy.to(device);
        var precision = new BFloat16Compute(network, copy);
        KernelSelfCheck.Prepare(copy, options, device, batch, log: null); // the master's verdicts (cached): the same routes
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
            : $"{(automatic ? "" : "Warning: ")}the bfloat16 network is off by {KernelSelfCheck.Format(error)} from the float32 one (allowed " +
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

    /// <summary>Where a fit's rows come from: a data set in memory, or a streamed source.</summary>
    private abstract class FitInput
    {
        public abstract int FeatureCount { get; }
        public abstract int OutputCount { get; }
        public abstract TrainingObjective Objective { get; }
        public abstract long TrainingRows { get; }
        public abstract long ValidationRows { get; }

        /// <summary>The rows the scaling, LSUV and the bfloat16 check are fitted on (valid after <see cref="Split"/>).</summary>
        public abstract SupervisedData StatisticsRows { get; }

        /// <summary>How the log describes the data path.</summary>
        public virtual string Description => "";

        /// <summary>Holds out the validation rows (after the global generator is seeded).</summary>
        public virtual void Split()
        {
        }

        public abstract IFitBatches CreateBatches(DataScaling scaling, torch.Device device, int batchSize);
    }

    /// <summary>Rows in memory, split into training and validation rows by the fit's seed.</summary>
    /// <param name="data">All rows.</param>
    /// <param name="trainer">The trainer whose seed and options split them.</param>
    private sealed class InMemoryInput(SupervisedData data, NetworkTrainer trainer) : FitInput
    {
        private SupervisedData? train, validation;

        public override int FeatureCount => data.FeatureCount;
        public override int OutputCount => data.OutputCount;
        public override TrainingObjective Objective => data.Objective;
        public override long TrainingRows => train!.Rows;
        public override long ValidationRows => validation?.Rows ?? 0;
        public override SupervisedData StatisticsRows => train!;

        public override void Split() => (train, validation) = trainer.Split(data);

        public override IFitBatches CreateBatches(DataScaling scaling, torch.Device device, int batchSize) =>
            new InMemoryBatches(train!, validation, scaling, device, batchSize, trainer.seed);
    }

    private sealed class StreamedInput(IRowSource source, StreamingSummary summary, NetworkTrainer trainer) : FitInput
    {
        public override int FeatureCount => source.FeatureCount;
        public override int OutputCount => source.OutputCount;
        public override TrainingObjective Objective => source.Objective;
        public override long TrainingRows => summary.TrainingRows;
        public override long ValidationRows => summary.ValidationRows;
        public override SupervisedData StatisticsRows => summary.Sample;
        public override string Description =>
            $", streamed (statistics from a sample of {summary.Sample.Rows} rows, {(source.CanShuffle ? "shuffled by the source" : $"shuffle buffer of {StreamingBatches.ShuffleBufferRows} rows")})";

        public override IFitBatches CreateBatches(DataScaling scaling, torch.Device device, int batchSize) =>
            new StreamingBatches(source, summary, scaling, device, batchSize, trainer.seed, trainer.options.ValidationFraction,
                dropLonelyLastRow: trainer.options.EffectiveNormalization == NormalizationKind.BatchNorm);
    }
}

/// <summary>One member of <see cref="NetworkTrainer.FitMembers"/>: its trained network, device and scaling, or why its training diverged.</summary>
internal sealed record MemberFit(DeepNetwork? Network, torch.Device? Device, DataScaling? Scaling, TrainingDivergedException? Failure);

/// <summary>A candidate's result on held-out rows: its loss per row, its outputs [N, K] and the targets (on the CPU).</summary>
internal sealed record HeldOutResult(double Loss, Tensor Outputs, Tensor Targets);

/// <summary>
/// A fit ready for its loop: the network on its device, the rows its statistics were fitted on (the training rows, or
/// a sample of them when streaming), the scaling, the kernel verdicts, the bfloat16 copy when
/// <see cref="DeepNetworkOptions.Precision"/> asks for one (and it passed its check), and how to batch the data.
/// </summary>
internal sealed record PreparedFit(DeepNetwork Network, torch.Device Device, SupervisedData StatisticsRows, long TrainingRows,
    TrainingObjective Objective, DataScaling Scaling, IReadOnlyList<KernelRoute> KernelRoutes, BFloat16Compute? Precision,
    Func<int, IFitBatches> CreateBatches)
{
    /// <summary>How an automatic HiddenLayers was chosen for this fit, or null.</summary>
    public DepthSelection? DepthSelection { get; init; }

    /// <summary>How an automatic NumericEmbedding was chosen above the depth selection's rows, or null.</summary>
    public EmbeddingSelection? EmbeddingSelection { get; init; }
}
