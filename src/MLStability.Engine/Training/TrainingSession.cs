using System.Diagnostics;
using MLStability.Networks;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// One fit of a network: the epoch loop and the training step, with the pieces attached to it — the optimizer and
/// schedule, the instability guard (recovery), the gradient monitor (diagnostics), early stopping and the observers.
/// Each step runs in its own dispose scope, so no tensor outlives the step that made it.
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    private readonly DeepNetworkOptions options;
    private readonly DeepNetwork network;
    private readonly IFitBatches batches;
    private readonly ParameterOptimizer optimizer;
    private readonly InstabilityGuard guard;
    private readonly GradientMonitor monitor;
    private readonly EarlyStopping earlyStopping;
    private readonly IReadOnlyList<ITrainingObserver> observers, stepObservers;
    private readonly TrainingReportBuilder report;
    private readonly LearningRateSchedule schedule;
    private readonly Action<string>? log;
    private readonly int batchSize;
    private readonly long stepsPerEpoch;
    private readonly int epochs;
    private readonly Lazy<string> fingerprint;
    private readonly TrainingObjective objective;
    private readonly StepGradientRecorder stepGradients;
    private readonly BFloat16Compute? precision;
    private readonly int seed;
    private readonly torch.Device device;
    private readonly ConvolutionAudit? audit;
    private int epoch = 1;
    private long step;
    private bool stopped;

    public TrainingSession(DeepNetworkOptions options, PreparedFit fit, int seed, Action<string>? log, IReadOnlyList<ITrainingObserver> observers)
    {
        network = fit.Network;
        precision = fit.Precision;
        this.seed = seed;
        device = fit.Device;
        this.options = options;
        this.log = log;
        this.observers = observers;
        objective = fit.Objective;
        batchSize = (int)Math.Min(options.BatchSize, fit.TrainingRows);
        batches = fit.CreateBatches(batchSize);
        optimizer = ParameterOptimizer.Create(options, network.parameters());
        guard = new InstabilityGuard(options, network, optimizer);
        monitor = new GradientMonitor(options.DiagnosticsInterval);
        stepObservers = observers.Prepend(monitor).ToArray();
        earlyStopping = new EarlyStopping(options.EarlyStoppingPatience);
        report = new TrainingReportBuilder(options)
        {
            KernelRoutes = fit.KernelRoutes,
            DepthSelection = fit.DepthSelection,
            EmbeddingSelection = fit.EmbeddingSelection,
            Precision = precision is null ? PrecisionKind.Float32 : PrecisionKind.BFloat16,
        };
        stepsPerEpoch = StepsPerEpoch(batches.TrainingRows, batchSize, options.EffectiveNormalization);
        epochs = options.ResolveEpochs(stepsPerEpoch);
        schedule = new LearningRateSchedule(options, stepsPerEpoch, stepsPerEpoch * epochs);
        stepGradients = new StepGradientRecorder(network, stepsPerEpoch * epochs, report);
        audit = ConvolutionAudit.For(network, device, float32Steps: precision is null);
        // Only checkpoints need it, and the in-memory one reads every feature value once.
        fingerprint = new Lazy<string>(() => Fingerprint(options, epochs, network, batches.Fingerprint, seed));
    }

    /// <summary>Trains all epochs (or until early stopping) and returns the report; throws when training diverges.</summary>
    public TrainingReport Run()
    {
        ResumeFromCheckpoint();
        for (; epoch <= epochs && !stopped; epoch++)
        {
            stopped = RunEpoch();
            if (options.CheckpointDirectory != null && (epoch % options.CheckpointInterval == 0 || epoch == epochs || stopped))
                WriteCheckpoint();
        }
        epoch = Math.Min(epoch, epochs);
        if (batches.ValidationRows > 0 && earlyStopping.BestEpoch > 0)
        {
            earlyStopping.RestoreBest(network);
            report.WeightsEpoch = earlyStopping.BestEpoch;
            log?.Invoke($"Returning the weights of epoch {earlyStopping.BestEpoch}, the best validation loss ({earlyStopping.BestLoss:G4}).");
        }
        if (!guard.WeightsAreFinite())
        {
            // The last steps' gradients were not finite (unmeasured, see InstabilityGuard): roll back or fail.
            Handle(InstabilityKind.NonFiniteGradient, double.NaN, double.NaN);
            if (!guard.WeightsAreFinite())
                throw Fail("the weights hold non-finite values");
        }
        var final = report.Build(guard.Events);
        log?.Invoke(final.ToString());
        return final;
    }

    /// <summary>One pass over the training data, then validation, reporting and early stopping. True: stop.</summary>
    private bool RunEpoch()
    {
        var clock = Stopwatch.StartNew();
        TorchRuntime.SeedDeviceForEpoch(seed, epoch, device);
        network.train();
        double lossSum = 0, learningRate = 0;
        long rowsSeen = 0;
        foreach (var batch in batches.Epoch(epoch, stepsPerEpoch))
        {
            using var scope = torch.NewDisposeScope();
            learningRate = schedule.At(step) * guard.LearningRateScale;
            step++;
            if (TrainStep(batch, learningRate) is double loss)
            {
                lossSum += loss * batch.Rows;
                rowsSeen += batch.Rows;
            }
        }

        var (validationLoss, validationAccuracy) = batches.ValidationRows > 0 ? Evaluate() : (null, null);
        var progress = new EpochProgress(epoch, epochs, rowsSeen > 0 ? lossSum / rowsSeen : double.NaN, validationLoss,
            validationAccuracy, learningRate, step, clock.Elapsed.TotalSeconds);
        schedule.EndEpoch(validationLoss);
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
            return true;
        }
        return false;
    }

    /// <summary>
    /// Forward, loss check, backward, gradient check and clipping, optimizer step. Returns the loss of an accepted
    /// step, or null when the guard dropped it (skipped or rolled back).
    /// </summary>
    private double? TrainStep(IMiniBatch batch, double learningRate)
    {
        foreach (var observer in stepObservers)
            observer.OnStepStart(network, step);
        var (input, targets) = batch.Materialize();
        bool recordSteps = stepGradients.Records(step);
        if (recordSteps)
            input.requires_grad_(true);
        audit?.BeginStep(step);
        try
        {
            Tensor loss = Forward(input, targets);
            double lossValue = loss.item<float>();
            if (guard.CheckLoss(lossValue) is InstabilityKind lossProblem)
                return Drop(lossProblem, lossValue, double.NaN);

            loss.backward();
            AuditGradients(input, targets);
            precision?.MoveGradients();
            if (recordSteps)
                stepGradients.Record(step, input);
            foreach (var observer in stepObservers)
                observer.OnGradientsComputed(network, step);
            var (gradientProblem, gradientNorm) = guard.ClipAndCheckGradients();
            if (gradientProblem is InstabilityKind problem)
                return Drop(problem, lossValue, gradientNorm);

            optimizer.MomentumOverride = schedule.MomentumAt(step - 1); // the step counter already counts this step
            optimizer.Step(learningRate);
            foreach (var observer in stepObservers)
                observer.OnStepEnd(network, step);
            return guard.Accept(step, lossValue) ? lossValue : Drop(InstabilityKind.NonFiniteGradient, lossValue, gradientNorm);
        }
        finally
        {
            audit?.EndStep();
        }
    }

    /// <summary>Zeroes the gradients and returns the loss of a forward pass over the batch.</summary>
    private Tensor Forward(Tensor input, Tensor targets)
    {
        optimizer.ZeroGrad();
        input.grad?.zero_();
        Tensor output = precision is null ? network.forward(input) : precision.Forward(input);
        return objective.Loss(output, targets);
    }

    /// <summary>
    /// Lets the audit check this step's convolution gradients; for every convolution it finds wrong, moves it to its
    /// next route (logged and reported) and computes the step again, so that no wrong gradient reaches the weights.
    /// </summary>
    private void AuditGradients(Tensor input, Tensor targets)
    {
        while (audit?.Findings(step) is { Count: > 0 } findings)
        {
            foreach (var finding in findings)
            {
                var verdict = KernelSelfCheck.RouteAfterAudit(finding.Unit, batchSize, finding.Error, step);
                report.KernelRoutes = report.KernelRoutes.Append(verdict).ToArray();
                log?.Invoke($"Kernel audit at training step {step} ({finding.Check} check on the real batch): {verdict}. " +
                            "The step is computed again on the new route.");
            }
            audit.BeginStep(step);
            Forward(input, targets).backward();
        }
    }

    /// <summary>
    /// Continues from the checkpoint in <see cref="DeepNetworkOptions.CheckpointDirectory"/>, if there is one: weights,
    /// optimizer, recovery and early-stopping state, random generators, counters and the report so far. A checkpoint
    /// of another architecture, data set or seed is an error, never a silent restart.
    /// </summary>
    private void ResumeFromCheckpoint()
    {
        if (options.CheckpointDirectory is not string directory)
            return;
        EnsureWritable(directory);
        var checkpoint = CheckpointFile.Load(directory);
        if (checkpoint == null)
            return;
        try
        {
            string saved = checkpoint.Get<string>("fingerprint");
            if (saved != fingerprint.Value)
                throw new InvalidOperationException(
                    $"The checkpoint in '{directory}' was written by a different training setup (architecture, data, seed " +
                    $"or optimizer): it has {saved}, this fit has {fingerprint.Value}. Delete the checkpoint or use another CheckpointDirectory.");
            using (var weights = ModuleState.ReadFrom(checkpoint, "net."))
                weights.CopyInto(network);
            using (var optimizerState = OptimizerSnapshot.ReadFrom(checkpoint, "opt."))
                optimizer.Restore(optimizerState);
            guard.Restore(checkpoint);
            earlyStopping.Restore(checkpoint);
            schedule.Restore(checkpoint);
            report.Restore(checkpoint);
            batches.Restore(checkpoint);
            torch.random.set_rng_state(checkpoint.GetTensor("rng.global"));
            int completed = checkpoint.Get<int>("epoch");
            step = checkpoint.Get<long>("step");
            stopped = checkpoint.Get<bool>("stopped");
            epoch = completed + 1;
            report.ResumedAfterEpoch = completed;
            log?.Invoke($"Resumed from the checkpoint in '{directory}' after epoch {completed} (step {step}).");
        }
        finally
        {
            checkpoint.DisposeTensors();
        }
    }

    private void WriteCheckpoint()
    {
        var checkpoint = new CheckpointFile();
        try
        {
            checkpoint.Set("fingerprint", fingerprint.Value);
            checkpoint.Set("epoch", epoch);
            checkpoint.Set("step", step);
            checkpoint.Set("stopped", stopped);
            using (var weights = ModuleState.Capture(network))
                weights.WriteTo(checkpoint, "net.");
            using (var optimizerState = optimizer.Snapshot())
                optimizerState.WriteTo(checkpoint, "opt.");
            guard.Capture(checkpoint);
            earlyStopping.Capture(checkpoint);
            schedule.Capture(checkpoint);
            report.Capture(checkpoint);
            batches.Capture(checkpoint);
            checkpoint.SetTensor("rng.global", torch.random.get_rng_state());
            checkpoint.Save(options.CheckpointDirectory!);
        }
        finally
        {
            checkpoint.DisposeTensors();
        }
    }

    /// <summary>Fails before training, not after an epoch's work, when checkpoints cannot be written.</summary>
    private static void EnsureWritable(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            string probe = Path.Combine(directory, $".write-test-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, Array.Empty<byte>());
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"CheckpointDirectory '{directory}' cannot be written: {e.Message}", e);
        }
    }

    /// <summary>What a checkpoint must match to be resumed: the network shape, the training rows and the seed.</summary>
    private static string Fingerprint(DeepNetworkOptions options, int epochs, DeepNetwork network, string data, int seed)
    {
        string shapes = string.Join(";", network.state_dict().Select(e => $"{e.Key}:{string.Join("x", e.Value.shape)}"));
        return $"net[{shapes}] kind={options.Network} act={options.Activation} opt={options.Optimizer} epochs={epochs} batch={options.BatchSize} " +
               $"{data} seed={seed}";
    }

    private double? Drop(InstabilityKind kind, double loss, double gradientNorm)
    {
        Handle(kind, loss, gradientNorm);
        return null;
    }

    /// <summary>Lets the guard recover (or fail), then tells the observers what it recorded.</summary>
    private void Handle(InstabilityKind kind, double loss, double gradientNorm)
    {
        int before = guard.Events.Count;
        guard.Handle(kind, epoch, step, loss, gradientNorm, Fail);
        for (int i = before; i < guard.Events.Count; i++)
        {
            foreach (var observer in observers)
                observer.OnInstability(network, guard.Events[i]);
        }
    }

    private Exception Fail(string what) => new TrainingDivergedException(epoch, step, what, report.Build(guard.Events, what));

    /// <summary>Batches per epoch; a final batch of one row is dropped under batch normalization, which cannot train on it.</summary>
    private static long StepsPerEpoch(long rows, int batchSize, NormalizationKind normalization)
    {
        long steps = (rows + batchSize - 1) / batchSize;
        bool lonelyLastRow = rows % batchSize == 1 && steps > 1;
        return lonelyLastRow && normalization == NormalizationKind.BatchNorm ? steps - 1 : steps;
    }

    private (double? Loss, double? Accuracy) Evaluate()
    {
        network.eval();
        using var noGrad = torch.no_grad();
        double lossSum = 0;
        long correct = 0, rows = 0;
        bool hasAccuracy = false;
        foreach (var batch in batches.Validation())
        {
            using var scope = torch.NewDisposeScope();
            var (features, targets) = batch.Materialize();
            Tensor logits = network.forward(features);
            rows += batch.Rows;
            lossSum += objective.Loss(logits, targets, nn.Reduction.Sum).item<float>();
            if (objective.Correct(logits, targets) is Tensor right)
            {
                correct += right.item<long>();
                hasAccuracy = true;
            }
        }
        network.train();
        return (lossSum / rows, hasAccuracy ? (double)correct / rows : null);
    }

    public void Dispose()
    {
        optimizer.Dispose();
        batches.Dispose();
        guard.Dispose();
        earlyStopping.Dispose();
    }
}
