using System.Diagnostics;
using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// The training loop for classifiers: mini-batch cross-entropy with the clipping, optimizer and schedule that the
/// options name. Each step runs in its own dispose scope, so no tensor outlives the step that made it.
/// </summary>
internal sealed class ClassifierTrainer
{
    private const int EvaluationBatchSize = 4096;

    private readonly DeepNetworkOptions options;
    private readonly int seed;
    private readonly Action<string>? log;
    private readonly IReadOnlyList<ITrainingObserver> observers;

    /// <param name="options">Validated before training starts.</param>
    /// <param name="seed">Seeds initialization, shuffling, dropout and the validation split.</param>
    /// <param name="log">Receives one line per epoch and notable events.</param>
    /// <param name="observers">Hooks called by the loop.</param>
    public ClassifierTrainer(DeepNetworkOptions options, int seed, Action<string>? log = null,
        IReadOnlyList<ITrainingObserver>? observers = null)
    {
        options.Validate();
        this.options = options;
        this.seed = seed;
        this.log = log;
        this.observers = observers ?? Array.Empty<ITrainingObserver>();
    }

    /// <summary>Trains a network on <paramref name="data"/> and returns it ready for inference.</summary>
    public TrainedClassifier Train(ClassificationData data)
    {
        if (data.Rows == 0)
            throw new ArgumentException("The training data has no rows.", nameof(data));
        lock (TorchRuntime.TrainingLock)
        {
            torch.Device device = DeviceSelector.Resolve(options.Device);
            TorchRuntime.Seed(seed, device);
            var (train, validation) = Split(data);
            log?.Invoke($"Training an MLP with hidden layers [{string.Join(", ", options.ResolveHiddenLayerSizes())}] on {train.Rows} rows " +
                        $"({validation?.Rows ?? 0} held out for validation), {data.FeatureCount} features, " +
                        $"{data.ClassCount} classes, on {device}.");

            var network = new MlpNetwork(data.FeatureCount, data.ClassCount, options);
            network.to(device);
            try
            {
                var report = Fit(network, train, validation, device);
                network.eval();
                foreach (var block in network.Blocks)
                    block.CaptureActivations = false;
                return new TrainedClassifier(network, device, data.FeatureCount, data.ClassCount, report);
            }
            catch
            {
                network.Dispose();
                throw;
            }
        }
    }

    private TrainingReport Fit(MlpNetwork network, ClassificationData train, ClassificationData? validation, torch.Device device)
    {
        using var trainSet = DeviceTensors.Create(train, device);
        using var validationSet = validation != null ? DeviceTensors.Create(validation, device) : null;
        using var earlyStopping = new EarlyStopping(options.EarlyStoppingPatience);
        using var shuffler = new torch.Generator((ulong)seed);

        var optimizer = ParameterOptimizer.Create(options, network.parameters());
        using var guard = new InstabilityGuard(options, network, optimizer);
        var monitor = new GradientMonitor(options.DiagnosticsInterval);
        var stepObservers = observers.Prepend(monitor).ToArray();
        var report = new TrainingReportBuilder(options);
        int batchSize = Math.Min(options.BatchSize, train.Rows);
        long stepsPerEpoch = StepsPerEpoch(train.Rows, batchSize);
        var schedule = new LearningRateSchedule(options, stepsPerEpoch, stepsPerEpoch * options.Epochs);
        long step = 0;
        int epoch = 1;
        Exception Fail(string what) => new TrainingDivergedException(epoch, step, what, report.Build(guard.Events, what));

        for (; epoch <= options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            network.train();
            double lossSum = 0, learningRate = 0;
            long rowsSeen = 0;
            using Tensor order = Shuffle(train.Rows, shuffler, device);
            for (long batch = 0; batch < stepsPerEpoch; batch++)
            {
                using var scope = torch.NewDisposeScope();
                long start = batch * batchSize, count = Math.Min(batchSize, train.Rows - start);
                Tensor rows = order.narrow(0, start, count);
                learningRate = schedule.At(step) * guard.LearningRateScale;
                step++;

                foreach (var observer in stepObservers)
                    observer.OnStepStart(network, step);
                optimizer.ZeroGrad();
                Tensor loss = nn.functional.cross_entropy(network.forward(trainSet.Features.index_select(0, rows)),
                    trainSet.Labels.index_select(0, rows));
                double lossValue = loss.item<float>();
                if (guard.CheckLoss(lossValue) is InstabilityKind lossProblem)
                {
                    guard.Handle(lossProblem, epoch, step, lossValue, double.NaN, Fail);
                    continue;
                }
                loss.backward();
                foreach (var observer in stepObservers)
                    observer.OnGradientsComputed(network, step);
                var (gradientProblem, gradientNorm) = guard.ClipAndCheckGradients();
                if (gradientProblem is InstabilityKind problem)
                {
                    guard.Handle(problem, epoch, step, lossValue, gradientNorm, Fail);
                    continue;
                }
                optimizer.Step(learningRate);
                foreach (var observer in stepObservers)
                    observer.OnStepEnd(network, step);
                if (!guard.Accept(step, lossValue))
                {
                    guard.Handle(InstabilityKind.NonFiniteGradient, epoch, step, lossValue, gradientNorm, Fail);
                    continue;
                }
                lossSum += lossValue * count;
                rowsSeen += count;
            }

            var (validationLoss, validationAccuracy) = validationSet != null ? Evaluate(network, validationSet) : (null, null);
            var progress = new EpochProgress(epoch, options.Epochs, rowsSeen > 0 ? lossSum / rowsSeen : double.NaN, validationLoss,
                validationAccuracy, learningRate, step, clock.Elapsed.TotalSeconds);
            var (layers, samples) = monitor.CompleteEpoch(network);
            report.AddEpoch(progress, layers, samples, guard.Events);
            log?.Invoke(progress + $"  [{report.LastVerdict}]");
            options.Progress?.Report(progress);
            foreach (var observer in observers)
                observer.OnEpochEnd(network, progress);

            if (validationLoss is double lossNow && earlyStopping.Update(network, epoch, lossNow))
            {
                log?.Invoke($"Early stopping after epoch {epoch}: no better validation loss for " +
                            $"{options.EarlyStoppingPatience} epochs; keeping epoch {earlyStopping.BestEpoch}.");
                break;
            }
        }
        epoch = Math.Min(epoch, options.Epochs);
        if (validationSet != null)
            earlyStopping.RestoreBest(network);
        if (!guard.WeightsAreFinite())
        {
            // The last steps' gradients were not finite (unmeasured, see InstabilityGuard): roll back or fail.
            guard.Handle(InstabilityKind.NonFiniteGradient, epoch, step, double.NaN, double.NaN, Fail);
        }
        EnsureFiniteWeights(network, name => Fail($"parameter '{name}' holds non-finite values"));
        var final = report.Build(guard.Events);
        log?.Invoke(final.ToString());
        return final;
    }

    /// <summary>A random permutation of the row indices, drawn on the CPU (reproducible) and moved to the device.</summary>
    private static Tensor Shuffle(int rows, torch.Generator generator, torch.Device device)
    {
        using var scope = torch.NewDisposeScope();
        return torch.randperm(rows, generator: generator).to(device).MoveToOuterDisposeScope();
    }

    /// <summary>Batches per epoch; a final batch of one row is dropped under batch normalization, which cannot train on it.</summary>
    private long StepsPerEpoch(int rows, int batchSize)
    {
        long steps = (rows + batchSize - 1) / batchSize;
        bool lonelyLastRow = rows % batchSize == 1 && steps > 1;
        return lonelyLastRow && options.Normalization == NormalizationKind.BatchNorm ? steps - 1 : steps;
    }

    private (ClassificationData Train, ClassificationData? Validation) Split(ClassificationData data)
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

    private static (double? Loss, double? Accuracy) Evaluate(MlpNetwork network, DeviceTensors data)
    {
        network.eval();
        using var noGrad = torch.no_grad();
        double lossSum = 0;
        long correct = 0, rows = data.Labels.shape[0];
        for (long start = 0; start < rows; start += EvaluationBatchSize)
        {
            using var scope = torch.NewDisposeScope();
            long count = Math.Min(EvaluationBatchSize, rows - start);
            Tensor logits = network.forward(data.Features.narrow(0, start, count));
            Tensor labels = data.Labels.narrow(0, start, count);
            lossSum += nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(labels).sum().item<long>();
        }
        network.train();
        return (lossSum / rows, (double)correct / rows);
    }

    private static void EnsureFiniteWeights(MlpNetwork network, Func<string, Exception> fail)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var (name, tensor) in network.state_dict())
        {
            if (tensor.is_floating_point() && !tensor.isfinite().all().item<bool>())
                throw fail(name);
        }
    }

    /// <summary>A data set's features and labels as tensors on the training device.</summary>
    private sealed class DeviceTensors : IDisposable
    {
        private DeviceTensors(Tensor features, Tensor labels)
        {
            Features = features;
            Labels = labels;
        }

        public Tensor Features { get; }
        public Tensor Labels { get; }

        public static DeviceTensors Create(ClassificationData data, torch.Device device)
        {
            using var scope = torch.NewDisposeScope();
            Tensor features = torch.tensor(data.Features, new long[] { data.Rows, data.FeatureCount }).to(device);
            Tensor labels = torch.tensor(data.Labels.Select(l => (long)l).ToArray()).to(device);
            return new DeviceTensors(features.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
        }

        public void Dispose()
        {
            Features.Dispose();
            Labels.Dispose();
        }
    }
}
