namespace MLStability;

/// <summary>
/// Architecture and training settings shared by every MLStability deep network.
/// The defaults are a stable preset: residual connections, layer normalization, He initialization,
/// global-norm gradient clipping, AdamW and a warmup-then-cosine learning-rate schedule.
/// Every technique can be switched off to reproduce the classic failures of deep networks.
/// </summary>
public class DeepNetworkOptions
{
    /// <summary>
    /// The network family: an MLP over the feature vector, a convolutional ResNet over images, a recurrent network
    /// over sequences, or a Transformer over sequences or a table's features. Default <see cref="NetworkKind.Mlp"/>.
    /// ResNet and Recurrent need <see cref="InputShape"/>; a Transformer reads sequences with it and tables without.
    /// </summary>
    public NetworkKind Network { get; set; } = NetworkKind.Mlp;

    /// <summary>
    /// How the flat feature vector is laid out: [C, H, W] for a <see cref="NetworkKind.ResNet"/> (channel-major, the
    /// CHW order of ML.NET's ExtractPixels), [T, F] for a <see cref="NetworkKind.Recurrent"/> network (T steps of F
    /// features, step-major) or a <see cref="NetworkKind.Transformer"/> over sequences ([D] or null: one token per
    /// feature). The product must equal the feature vector's size. Default null; required for ResNet and Recurrent,
    /// optional (checked, then unused) for Mlp.
    /// </summary>
    public int[]? InputShape { get; set; }

    /// <summary>
    /// ResNet: the channels of each stage, first to last; every stage after the first halves the image with a
    /// stride-2 block whose shortcut is a 1x1 projection. The stem maps the input to the first stage's channels.
    /// Default [16, 32, 64]; 1 to 8 stages of 1 to 4096 channels.
    /// </summary>
    public int[] ResNetChannels { get; set; } = { 16, 32, 64 };

    /// <summary>ResNet: basic residual blocks (two 3x3 convolutions each) per stage. Default 1; valid range [1, 1000].</summary>
    public int ResNetBlocksPerStage { get; set; } = 1;

    /// <summary>
    /// ResNet: starts the scale of the last normalization in each residual block at 0 (Goyal et al.), so every block
    /// starts as its shortcut. Needs <see cref="ResidualConnections"/> and a <see cref="Normalization"/>. Default false.
    /// </summary>
    public bool ZeroInitLastNormalization { get; set; }

    /// <summary>
    /// Channels are split into this many groups by <see cref="NormalizationKind.GroupNorm"/>; it must divide every
    /// normalized width. Default 8; valid range [1, 4096].
    /// </summary>
    public int NormalizationGroups { get; set; } = 8;

    /// <summary>
    /// Recurrent: the cell of every layer. Default <see cref="RecurrentCellKind.LSTM"/>. The cells' gate nonlinearities
    /// are fixed (sigmoid and tanh), so <see cref="Activation"/> does not apply to Recurrent networks.
    /// </summary>
    public RecurrentCellKind RecurrentCell { get; set; } = RecurrentCellKind.LSTM;

    /// <summary>Recurrent: stacked recurrent layers. Default 1; valid range [1, 100].</summary>
    public int RecurrentLayers { get; set; } = 1;

    /// <summary>Recurrent: the state size of each layer (per direction). Default 128; valid range [1, 65536].</summary>
    public int RecurrentHiddenSize { get; set; } = 128;

    /// <summary>Recurrent: runs every layer forwards and backwards and concatenates both outputs. Default false.</summary>
    public bool Bidirectional { get; set; }

    /// <summary>Recurrent: how the output sequence becomes the head's input. Default <see cref="SequencePoolingKind.Last"/>.</summary>
    public SequencePoolingKind SequencePooling { get; set; } = SequencePoolingKind.Last;

    /// <summary>Transformer: encoder blocks (self-attention and an MLP each). Default 4; valid range [1, 1000].</summary>
    public int TransformerLayers { get; set; } = 4;

    /// <summary>Transformer: attention heads per block; must divide <see cref="ModelWidth"/>. Default 4; valid range [1, 1024].</summary>
    public int AttentionHeads { get; set; } = 4;

    /// <summary>Transformer: the width of every token (d_model). Default 64; valid range [1, 65536].</summary>
    public int ModelWidth { get; set; } = 64;

    /// <summary>
    /// Transformer: the hidden width of each block's MLP. Default null: twice <see cref="ModelWidth"/>. Valid range
    /// [1, 65536].
    /// </summary>
    public int? FeedForwardWidth { get; set; }

    /// <summary>Transformer: dropout on the attention weights (training only). Default 0; valid range [0, 1).</summary>
    public float AttentionDropout { get; set; }

    /// <summary>
    /// Transformer: where each block normalizes. Default null: <see cref="MLStability.NormalizationPlacement.DeepNorm"/>,
    /// which trained best at every depth the stability lab tried (docs/transformers.md); PreNorm when
    /// <see cref="PreNormalization"/> is true, PostNorm without residual connections or normalization (DeepNorm needs
    /// both). Only for Network = Transformer.
    /// </summary>
    public NormalizationPlacement? NormalizationPlacement { get; set; }

    /// <summary>The Transformer's normalization placement in force (see <see cref="NormalizationPlacement"/>).</summary>
    public NormalizationPlacement EffectiveNormalizationPlacement => NormalizationPlacement ?? (
        PreNormalization ? MLStability.NormalizationPlacement.PreNorm
        : ResidualConnections && EffectiveNormalization != NormalizationKind.None ? MLStability.NormalizationPlacement.DeepNorm
        : MLStability.NormalizationPlacement.PostNorm);

    /// <summary>The Transformer's MLP width in force: <see cref="FeedForwardWidth"/>, or twice <see cref="ModelWidth"/>.</summary>
    public int EffectiveFeedForwardWidth => FeedForwardWidth ?? 2 * ModelWidth;

    /// <summary>
    /// Number of hidden layers of an MLP; valid range [0, 10000] (0 gives a linear model). Default null: automatic,
    /// <see cref="AutomaticHiddenLayers"/> layers, except that on a table of at most
    /// <see cref="DepthSelection.MaximumRows"/> training rows held in memory the supervised trainers first cross-validate
    /// a linear model and that MLP on the training rows, fit the weights of output = a · linear + b · MLP + offsets
    /// (a, b ≥ 0) on their held-out outputs, and train the MLP, the linear model or both combined with those weights,
    /// the MLP as the mean of the one trained on all rows and the cross-validation's fold MLPs
    /// (<see cref="TrainingReport.DepthSelection"/> says which and why): small, nearly linear tables (iris, diabetes)
    /// are fitted better by the linear model, which a deep network overfits, and on small tables the MLP often ranks
    /// rows well but is overconfident, which the weights temper.
    /// </summary>
    public int? HiddenLayers { get; set; }

    /// <summary>The hidden layers of an MLP whose <see cref="HiddenLayers"/> is automatic.</summary>
    public const int AutomaticHiddenLayers = 4;

    /// <summary>The peak learning rate of a linear model (an MLP without hidden layers) whose LearningRate is automatic.</summary>
    public const float LinearModelLearningRate = 0.3f;

    /// <summary>
    /// Width of every hidden layer of an MLP. Default null: automatic, from the training rows, so that a table of a few
    /// hundred rows gets a network it cannot simply memorize: rows / 8 rounded up to a power of two, between 32 and 256
    /// (120 rows: 32; 400 rows: 64; 2,048 rows or more: 256). Valid range [1, 65536].
    /// </summary>
    public int? HiddenSize { get; set; }

    /// <summary>The widest automatic <see cref="HiddenSize"/>, used when the row count is not known.</summary>
    public const int AutomaticMaximumHiddenSize = 256;

    /// <summary>
    /// Explicit widths of the hidden layers, first to last (e.g. [512, 256]). Default null: <see cref="HiddenLayers"/>
    /// layers of <see cref="HiddenSize"/> units. When set, it overrides both. Each width in [1, 65536].
    /// </summary>
    public int[]? HiddenLayerSizes { get; set; }

    /// <summary>
    /// MLP only: how each (scaled) numeric feature enters the network. <see cref="NumericEmbeddingKind.Periodic"/> maps
    /// each feature through trainable frequencies and its own small layer first (see the kind), which lets the network
    /// fit threshold-like effects of single features that a plain MLP smooths over; it multiplies the first layer's
    /// input width by <see cref="PeriodicEmbeddingWidth"/>. Default null: automatic. On an in-memory table of at most
    /// <see cref="DepthSelection.MaximumEmbeddedFeatures"/> features: Periodic for the MLP that a small table's automatic
    /// depth compares with a linear model (<see cref="HiddenLayers"/>; a linear model has none); above
    /// <see cref="DepthSelection.MaximumRows"/> training rows, Periodic where a held-out comparison of the MLP with and
    /// without it finds it clearly better, None otherwise (<see cref="EmbeddingSelection"/>,
    /// <see cref="TrainingReport.EmbeddingSelection"/>). None on wider inputs and streamed data.
    /// </summary>
    public NumericEmbeddingKind? NumericEmbedding { get; set; }

    /// <summary>True when the MLP embeds its features periodically (<see cref="NumericEmbedding"/> set to Periodic).</summary>
    public bool HasPeriodicEmbedding => Network == NetworkKind.Mlp && NumericEmbedding == NumericEmbeddingKind.Periodic;

    /// <summary>
    /// Standard deviation of the periodic embedding's initial frequencies, in cycles per standard deviation of the
    /// scaled feature: larger values start from sharper functions of each feature (more capacity to fit thresholds,
    /// and to overfit). Default 0.05; valid range (0, 100]. Used with <see cref="NumericEmbeddingKind.Periodic"/>.
    /// </summary>
    public float PeriodicEmbeddingScale { get; set; } = 0.05f;

    /// <summary>Trainable frequencies per feature in the periodic embedding. Default 16; valid range [1, 1024].</summary>
    public int PeriodicEmbeddingFrequencies { get; set; } = 16;

    /// <summary>Numbers each feature becomes in the periodic embedding. Default 16; valid range [1, 1024].</summary>
    public int PeriodicEmbeddingWidth { get; set; } = 16;

    /// <summary>Nonlinearity after each hidden layer (MLP) or convolution (ResNet). Default <see cref="ActivationKind.ReLU"/>.</summary>
    public ActivationKind Activation { get; set; } = ActivationKind.ReLU;

    /// <summary>Negative slope of <see cref="ActivationKind.LeakyReLU"/> (also used for its He gain). Default 0.01; valid range [0, 1).</summary>
    public float LeakyReLUSlope { get; set; } = 0.01f;

    /// <summary>
    /// Adds each hidden layer's input to its output (y = f(x) + x), giving gradients an identity path through depth.
    /// Where the width changes (the first layer) the shortcut is a learned linear projection. In a ResNet it is each
    /// block's shortcut (false gives the "plain" CNN of the ResNet paper); in a Recurrent network it spans each layer
    /// whose input and output widths match. Default true.
    /// </summary>
    public bool ResidualConnections { get; set; } = true;

    /// <summary>
    /// Moves normalization to the input of each hidden layer's branch (pre-norm: y = x + f(Norm(x)), as in modern
    /// very deep networks) instead of its pre-activation; in a ResNet it gives pre-activation blocks (He et al. 2016,
    /// norm-activation-convolution). Needs a <see cref="Normalization"/> to matter. Default false.
    /// </summary>
    public bool PreNormalization { get; set; }

    /// <summary>
    /// ReZero (Bachlechner et al.): each residual branch is multiplied by a learnable scalar that starts at 0, so a deep
    /// network starts as the identity and grows into depth. Needs <see cref="ResidualConnections"/>. Default false.
    /// </summary>
    public bool ReZero { get; set; }

    /// <summary>
    /// Normalization of each hidden layer's pre-activation (MLP), of each convolution's output (ResNet), or of each
    /// recurrent layer's output sequence (Recurrent). Default null: the network family's own,
    /// <see cref="NormalizationKind.LayerNorm"/> for Mlp and Recurrent, <see cref="NormalizationKind.BatchNorm"/> for
    /// ResNet (which trains convolutional networks faster at these batch sizes).
    /// </summary>
    public NormalizationKind? Normalization { get; set; }

    /// <summary>
    /// Weight initialization of every linear and convolution layer and of recurrent input weights; recurrent
    /// (hidden-to-hidden) weights start orthogonal, gate by gate, for every kind except Default and StandardNormal.
    /// Default <see cref="InitializationKind.HeNormal"/>.
    /// </summary>
    public InitializationKind Initialization { get; set; } = InitializationKind.HeNormal;

    /// <summary>
    /// Dropout probability (training only) after each hidden activation (MLP), after each recurrent layer (Recurrent),
    /// before the head (ResNet), or on each attention and MLP branch's output (Transformer). Default 0.1; valid range [0, 1).
    /// </summary>
    public float Dropout { get; set; } = 0.1f;

    /// <summary>How gradients are bounded before each optimizer step. Default <see cref="GradientClippingKind.GlobalNorm"/>.</summary>
    public GradientClippingKind GradientClipping { get; set; } = GradientClippingKind.GlobalNorm;

    /// <summary>The bound used by <see cref="GradientClipping"/> (an element bound or a norm). Default 1; valid range (0, +inf).</summary>
    public float ClippingThreshold { get; set; } = 1f;

    /// <summary>The update rule. Default <see cref="OptimizerKind.AdamW"/>.</summary>
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.AdamW;

    /// <summary>
    /// Peak learning rate (reached at the end of warmup). Default null: the network family's own, 1e-3 for Mlp (0.3 for
    /// an Mlp without hidden layers, a linear model), 0.01 for ResNet, 0.003 for Recurrent and Transformer. Valid range (0, 10].
    /// </summary>
    public float? LearningRate { get; set; }

    /// <summary>
    /// Weight decay: decoupled for <see cref="OptimizerKind.AdamW"/>, an L2 term added to the gradient for the
    /// other optimizers. Default 1e-4; valid range [0, 1).
    /// </summary>
    public float WeightDecay { get; set; } = 1e-4f;

    /// <summary>
    /// Momentum of <see cref="OptimizerKind.Momentum"/> and <see cref="OptimizerKind.RmsProp"/>. Default null: 0.9 for
    /// Momentum, 0 for RmsProp (PyTorch's defaults). Valid range [0, 1).
    /// </summary>
    public float? Momentum { get; set; }

    /// <summary>The normalization in force: <see cref="Normalization"/>, or the network family's default.</summary>
    public NormalizationKind EffectiveNormalization => Normalization ?? (Network == NetworkKind.ResNet ? NormalizationKind.BatchNorm : NormalizationKind.LayerNorm);

    /// <summary>The peak learning rate in force: <see cref="LearningRate"/>, or the network family's default.</summary>
    public float EffectiveLearningRate => LearningRate ?? Network switch
    {
        NetworkKind.ResNet => 0.01f,
        NetworkKind.Recurrent or NetworkKind.Transformer => 0.003f,
        // A convex problem on scaled features: Adam at a deep network's 1e-3 leaves it far from its optimum in 500 steps.
        _ when IsLinearModel => LinearModelLearningRate,
        _ => 1e-3f,
    };

    /// <summary>True for an MLP without hidden layers or numeric embedding: a linear (softmax, logistic or least-squares) model.</summary>
    public bool IsLinearModel => Network == NetworkKind.Mlp && !HasPeriodicEmbedding &&
                                 (HiddenLayerSizes?.Length ?? HiddenLayers ?? AutomaticHiddenLayers) == 0;

    /// <summary>The momentum in force: <see cref="Momentum"/>, or the optimizer's default.</summary>
    public float EffectiveMomentum => Momentum ?? (Optimizer == OptimizerKind.RmsProp ? 0f : 0.9f);

    /// <summary>Uses Nesterov momentum with <see cref="OptimizerKind.Momentum"/>. Default false.</summary>
    public bool Nesterov { get; set; }

    /// <summary>The learning-rate schedule after warmup. Default <see cref="LearningRateScheduleKind.Cosine"/>.</summary>
    public LearningRateScheduleKind LearningRateSchedule { get; set; } = LearningRateScheduleKind.Cosine;

    /// <summary>
    /// Optimizer steps of linear warmup from LearningRate / WarmupSteps up to LearningRate, at most a tenth of the
    /// run's steps (a 30-step run warms up for 3). Default 100; valid range [0, +inf).
    /// </summary>
    public int WarmupSteps { get; set; } = 100;

    /// <summary>Decay factor gamma of the <see cref="LearningRateScheduleKind.Step"/> and <see cref="LearningRateScheduleKind.Exponential"/> schedules. Default 0.1; valid range (0, 1].</summary>
    public float LearningRateDecay { get; set; } = 0.1f;

    /// <summary>
    /// Optimizer steps per decay by <see cref="LearningRateDecay"/> in the Step and Exponential schedules.
    /// Default 0, meaning one epoch's worth of steps; valid range [0, +inf).
    /// </summary>
    public int LearningRateDecaySteps { get; set; }

    /// <summary>Final learning rate of the Linear and Cosine schedules. Default 0; valid range [0, LearningRate].</summary>
    public float MinimumLearningRate { get; set; }

    /// <summary>
    /// Passes over the training data. Default null: automatic, 10 epochs, or more on small data sets so that training
    /// takes at least <see cref="AutomaticMinimumSteps"/> optimizer steps (so at most 500 epochs). Valid range [1, 100000].
    /// </summary>
    public int? Epochs { get; set; }

    /// <summary>The optimizer steps that automatic <see cref="Epochs"/> reach at least (small data sets need many epochs).</summary>
    public const int AutomaticMinimumSteps = 500;

    /// <summary>
    /// How features are scaled inside the model. Default <see cref="FeatureScalingKind.Robust"/>: standardized from the
    /// training rows' medians and interquartile ranges, in training, scoring and the ONNX export, so unscaled tables
    /// (features from 0.001 to 4,000) train as well as scaled ones. None leaves them as they are.
    /// </summary>
    public FeatureScalingKind FeatureScaling { get; set; } = FeatureScalingKind.Robust;

    /// <summary>
    /// Regression only: trains on targets standardized by the training rows' mean and standard deviation and undoes it
    /// at the output (in memory and in the ONNX export), so Score stays in the user's units while the network sees
    /// values near 1 (targets in thousands or in millionths train alike). The reported losses and HuberDelta are then
    /// in standard deviations of the target. Default true.
    /// </summary>
    public bool StandardizeTargets { get; set; } = true;

    /// <summary>Rows per mini-batch. Default 128; valid range [1, 1048576].</summary>
    public int BatchSize { get; set; } = 128;

    /// <summary>
    /// Fraction of the training rows held out (after a seeded shuffle) to report validation loss and accuracy each
    /// epoch and to drive early stopping. With a hold-out, the model keeps the weights of the epoch with the lowest
    /// validation loss, with or without <see cref="EarlyStoppingPatience"/> (<see cref="TrainingReport.WeightsEpoch"/>
    /// says which). Default 0 (no hold-out); valid range [0, 1).
    /// </summary>
    public float ValidationFraction { get; set; }

    /// <summary>
    /// Stops after this many epochs without a lower validation loss and keeps the weights of the best epoch.
    /// Default 0 (off); valid range [0, +inf). Needs <see cref="ValidationFraction"/> &gt; 0.
    /// </summary>
    public int EarlyStoppingPatience { get; set; }

    /// <summary>
    /// <see cref="LearningRateScheduleKind.ReduceOnPlateau"/>: epochs without a better validation loss that are
    /// tolerated before the rate is multiplied by LearningRateDecay. Default 2 (PyTorch's 10 suits its longer runs);
    /// valid range [0, +inf).
    /// </summary>
    public int PlateauPatience { get; set; } = 2;

    /// <summary>
    /// Seed of weight initialization, shuffling, dropout and the validation split. Default null: the MLContext's seed
    /// when it has one, else a random seed. The same seed on CPU gives bit-identical models.
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>
    /// Where to train and score: "auto" (CUDA when TorchSharp reports it, else CPU), "cpu", "cuda" or "cuda:N".
    /// Default "auto". CUDA needs the application to reference a CUDA backend package of TorchSharp.
    /// </summary>
    public string Device { get; set; } = "auto";

    /// <summary>
    /// How the trainer reads its training rows: <see cref="DataLoadingKind.Auto"/> (default: in memory when the data
    /// fits <see cref="MemoryBudgetMegabytes"/>, else streaming), <see cref="DataLoadingKind.InMemory"/> or
    /// <see cref="DataLoadingKind.Streaming"/> (bounded memory for data of any size).
    /// </summary>
    public DataLoadingKind DataLoading { get; set; } = DataLoadingKind.Auto;

    /// <summary>
    /// The memory the in-memory path may use for the training data under <see cref="DataLoadingKind.Auto"/>, in
    /// megabytes: the dense rows take features x rows x 4 bytes about three times over (the rows read, the tensor and
    /// the validation split). Default null: a quarter of the memory available to the process for a view that knows its
    /// row count, and 256 MB of a view that does not (which may be larger than memory: Auto holds what it reads while it
    /// decides). Valid range [1, +inf).
    /// </summary>
    public int? MemoryBudgetMegabytes { get; set; }

    /// <summary>
    /// The number format of the training step: <see cref="PrecisionKind.Auto"/> (default: bfloat16 for large enough MLPs
    /// on devices with native bfloat16, float32 elsewhere), <see cref="PrecisionKind.Float32"/>, or
    /// <see cref="PrecisionKind.BFloat16"/> mixed precision (forward and backward in bfloat16, float32 master weights and
    /// optimizer state). Before bfloat16 training, the bfloat16 network is checked against the float32 one on training
    /// rows (outputs and input gradients within 25%, where correct bfloat16 networks measure 1-12% and faulty ones the
    /// order of the values); if it fails, training falls back to float32 and says so in the log and
    /// <see cref="TrainingReport.KernelRoutes"/>. <see cref="TrainingReport.Precision"/> says which format ran. Do not ask
    /// for BFloat16 on CPUs without AVX512_BF16 or AMX (<see cref="BFloat16Support.CpuBFloat16Instructions"/>): there
    /// bfloat16 is emulated and slower.
    /// </summary>
    public PrecisionKind Precision { get; set; } = PrecisionKind.Auto;

    /// <summary>
    /// What training does on a non-finite loss or gradient, or a loss spike. Default
    /// <see cref="InstabilityPolicy.Rollback"/>. Every event is recorded in the <see cref="TrainingReport"/>.
    /// </summary>
    public InstabilityPolicy OnInstability { get; set; } = InstabilityPolicy.Rollback;

    /// <summary>
    /// A loss spike is an instability: a step whose loss exceeds this many times the median of the last 64 accepted
    /// losses, exceeds it by a tenth of the run's initial loss level and exceeds every one of those 64, three steps in a
    /// row. Default 10; 0 switches spike detection off; valid range 0 or (1, +inf).
    /// </summary>
    public float LossSpikeFactor { get; set; } = 10f;

    /// <summary>Instabilities handled by SkipStep or Rollback before training gives up with an error. Default 10; valid range [0, 1000].</summary>
    public int MaxRecoveries { get; set; } = 10;

    /// <summary>Each rollback multiplies the learning rate by this factor. Default 0.5; valid range (0, 1].</summary>
    public float RollbackLearningRateFactor { get; set; } = 0.5f;

    /// <summary>Optimizer steps between snapshots of the last good weights for rollback. Default 50; valid range [1, +inf).</summary>
    public int RollbackSnapshotSteps { get; set; } = 50;

    /// <summary>
    /// Gradient-health statistics are sampled every this many optimizer steps (and at the first). Default 20, which
    /// keeps the cost within 5% of training time (docs/performance.md); 0 switches per-layer statistics off
    /// (instability events are still recorded); valid range [0, +inf).
    /// </summary>
    public int DiagnosticsInterval { get; set; } = 20;

    /// <summary>
    /// Where training writes a checkpoint (weights, optimizer and schedule state, random-generator states, counters,
    /// recovery state and the report so far), atomically, every <see cref="CheckpointInterval"/> epochs. Fitting again
    /// with the same options, data and directory resumes after the last checkpointed epoch; with a fixed seed on CPU
    /// the result is bit-identical to an uninterrupted run. Default null (no checkpoints).
    /// </summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>
    /// Writes the run as TensorBoard event files into this directory while it trains (watch it live with
    /// <c>tensorboard --logdir DIR</c>): per epoch the training and validation loss, validation accuracy and learning
    /// rate; at <see cref="DiagnosticsInterval"/> each layer's gradient and weight norms and histograms of its weights
    /// and gradients; every instability event. Default null (off); created if missing. Costs a few milliseconds per
    /// sampled step (histograms are computed on the host).
    /// </summary>
    public string? TensorBoardDirectory { get; set; }

    /// <summary>Epochs between checkpoints. Default 1; valid range [1, +inf).</summary>
    public int CheckpointInterval { get; set; } = 1;

    /// <summary>Receives a summary after every epoch (loss, validation metrics, learning rate, seconds). Default null.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IProgress<EpochProgress>? Progress { get; set; }

    /// <summary>
    /// A copy of these options (of the derived type) that shares no array with them, so that a trainer or model is
    /// not affected by later changes to the caller's object; the Progress callback is shared.
    /// </summary>
    internal T Copy<T>() where T : DeepNetworkOptions
    {
        var copy = (T)MemberwiseClone();
        copy.HiddenLayerSizes = HiddenLayerSizes?.ToArray();
        copy.InputShape = InputShape?.ToArray();
        copy.ResNetChannels = ResNetChannels?.ToArray()!;
        return copy;
    }

    /// <summary>
    /// The epochs of a run with <paramref name="stepsPerEpoch"/> optimizer steps per epoch: <see cref="Epochs"/>, or when
    /// it is null, 10 or enough to reach <see cref="AutomaticMinimumSteps"/> steps, whichever is more.
    /// </summary>
    internal int ResolveEpochs(long stepsPerEpoch) =>
        Epochs ?? (int)Math.Max(10, (AutomaticMinimumSteps + stepsPerEpoch - 1) / Math.Max(1, stepsPerEpoch));

    /// <summary>
    /// The width of each hidden layer, first to last, as <see cref="HiddenLayerSizes"/> or HiddenLayers x HiddenSize say;
    /// an automatic HiddenSize follows <paramref name="trainingRows"/> (256 when they are not known).
    /// </summary>
    /// <param name="trainingRows">The rows training sees, or null.</param>
    public IReadOnlyList<int> ResolveHiddenLayerSizes(int? trainingRows = null) =>
        HiddenLayerSizes?.ToArray() ?? Enumerable.Repeat(HiddenSize ?? AutomaticHiddenSize(trainingRows), HiddenLayers ?? AutomaticHiddenLayers).ToArray();

    private static int AutomaticHiddenSize(int? rows)
    {
        if (rows is not int count)
            return AutomaticMaximumHiddenSize;
        int width = 32;
        while (width < AutomaticMaximumHiddenSize && width * 8 < count)
            width *= 2;
        return width;
    }

    /// <summary>
    /// A copy whose automatic sizes are fixed for <paramref name="trainingRows"/> training rows, so that the network built
    /// from it and the description of it agree.
    /// </summary>
    internal DeepNetworkOptions WithSizesFor(int trainingRows)
    {
        var copy = Copy<DeepNetworkOptions>();
        copy.HiddenSize ??= AutomaticHiddenSize(trainingRows);
        return copy;
    }

    /// <summary>
    /// Checks every option against its valid range and throws an <see cref="ArgumentException"/> naming the first
    /// invalid option, its value and the valid range.
    /// </summary>
    public virtual void Validate()
    {
        string owner = GetType().Name;
        if (HiddenLayers is int hiddenLayers)
            OptionChecks.InRange(owner, nameof(HiddenLayers), hiddenLayers, 0, 10_000);
        if (HiddenSize is int hiddenSize)
            OptionChecks.InRange(owner, nameof(HiddenSize), hiddenSize, 1, 65_536);
        if (HiddenLayerSizes is int[] sizes)
        {
            OptionChecks.InRange(owner, nameof(HiddenLayerSizes) + ".Length", sizes.Length, 0, 10_000);
            for (int i = 0; i < sizes.Length; i++)
                OptionChecks.InRange(owner, $"{nameof(HiddenLayerSizes)}[{i}]", sizes[i], 1, 65_536);
        }
        if (NumericEmbedding is NumericEmbeddingKind embedding)
            OptionChecks.Defined(owner, nameof(NumericEmbedding), embedding);
        OptionChecks.InLeftOpenRange(owner, nameof(PeriodicEmbeddingScale), PeriodicEmbeddingScale, 0, 100);
        OptionChecks.InRange(owner, nameof(PeriodicEmbeddingFrequencies), PeriodicEmbeddingFrequencies, 1, 1024);
        OptionChecks.InRange(owner, nameof(PeriodicEmbeddingWidth), PeriodicEmbeddingWidth, 1, 1024);
        OptionChecks.Defined(owner, nameof(Activation), Activation);
        OptionChecks.InHalfOpenRange(owner, nameof(LeakyReLUSlope), LeakyReLUSlope, 0, 1);
        if (Normalization is NormalizationKind normalization)
            OptionChecks.Defined(owner, nameof(Normalization), normalization);
        OptionChecks.Defined(owner, nameof(Initialization), Initialization);
        OptionChecks.InHalfOpenRange(owner, nameof(Dropout), Dropout, 0, 1);
        OptionChecks.Defined(owner, nameof(GradientClipping), GradientClipping);
        OptionChecks.Positive(owner, nameof(ClippingThreshold), ClippingThreshold);
        OptionChecks.Defined(owner, nameof(Optimizer), Optimizer);
        if (LearningRate is float learningRate)
            OptionChecks.InLeftOpenRange(owner, nameof(LearningRate), learningRate, 0, 10);
        OptionChecks.InHalfOpenRange(owner, nameof(WeightDecay), WeightDecay, 0, 1);
        if (Momentum is float momentum)
            OptionChecks.InHalfOpenRange(owner, nameof(Momentum), momentum, 0, 1);
        OptionChecks.Defined(owner, nameof(LearningRateSchedule), LearningRateSchedule);
        OptionChecks.InRange(owner, nameof(WarmupSteps), WarmupSteps, 0, int.MaxValue);
        OptionChecks.InLeftOpenRange(owner, nameof(LearningRateDecay), LearningRateDecay, 0, 1);
        OptionChecks.InRange(owner, nameof(LearningRateDecaySteps), LearningRateDecaySteps, 0, int.MaxValue);
        OptionChecks.InClosedRange(owner, nameof(MinimumLearningRate), MinimumLearningRate, 0, EffectiveLearningRate, "LearningRate");
        if (Epochs is int epochs)
            OptionChecks.InRange(owner, nameof(Epochs), epochs, 1, 100_000);
        OptionChecks.Defined(owner, nameof(FeatureScaling), FeatureScaling);
        OptionChecks.InRange(owner, nameof(BatchSize), BatchSize, 1, 1 << 20);
        OptionChecks.InHalfOpenRange(owner, nameof(ValidationFraction), ValidationFraction, 0, 1);
        OptionChecks.InRange(owner, nameof(EarlyStoppingPatience), EarlyStoppingPatience, 0, int.MaxValue);
        OptionChecks.InRange(owner, nameof(PlateauPatience), PlateauPatience, 0, int.MaxValue);
        if (Initialization == InitializationKind.Lsuv && Network != NetworkKind.Mlp)
            throw new ArgumentException($"{owner}.{nameof(Initialization)} = Lsuv is implemented for Network = Mlp, not {Network}: " +
                                        "use Orthogonal or HeNormal.", nameof(Initialization));
        if (LearningRateSchedule == LearningRateScheduleKind.ReduceOnPlateau && ValidationFraction <= 0)
            throw new ArgumentException(
                $"{owner}.{nameof(LearningRateSchedule)} = {LearningRateSchedule} watches the validation loss: set " +
                $"{nameof(ValidationFraction)} in (0, 1), e.g. 0.1, or choose another schedule.", nameof(LearningRateSchedule));
        if (ReZero && !ResidualConnections)
            throw new ArgumentException($"{owner}.{nameof(ReZero)} scales residual branches: set {nameof(ResidualConnections)} = true, or {nameof(ReZero)} = false.", nameof(ReZero));
        if (EarlyStoppingPatience > 0 && ValidationFraction <= 0)
            throw new ArgumentException(
                $"{owner}.{nameof(EarlyStoppingPatience)} = {EarlyStoppingPatience} needs a validation split: set " +
                $"{nameof(ValidationFraction)} in (0, 1), e.g. 0.1, or set {nameof(EarlyStoppingPatience)} = 0.",
                nameof(EarlyStoppingPatience));
        OptionChecks.Defined(owner, nameof(OnInstability), OnInstability);
        OptionChecks.Defined(owner, nameof(Precision), Precision);
        OptionChecks.Defined(owner, nameof(DataLoading), DataLoading);
        if (MemoryBudgetMegabytes is int budget)
            OptionChecks.InRange(owner, nameof(MemoryBudgetMegabytes), budget, 1, int.MaxValue);
        OptionChecks.ZeroOrAbove(owner, nameof(LossSpikeFactor), LossSpikeFactor, 1);
        OptionChecks.InRange(owner, nameof(MaxRecoveries), MaxRecoveries, 0, 1000);
        OptionChecks.InLeftOpenRange(owner, nameof(RollbackLearningRateFactor), RollbackLearningRateFactor, 0, 1);
        OptionChecks.InRange(owner, nameof(RollbackSnapshotSteps), RollbackSnapshotSteps, 1, int.MaxValue);
        OptionChecks.InRange(owner, nameof(DiagnosticsInterval), DiagnosticsInterval, 0, int.MaxValue);
        OptionChecks.InRange(owner, nameof(CheckpointInterval), CheckpointInterval, 1, int.MaxValue);
        if (TensorBoardDirectory is not null && string.IsNullOrWhiteSpace(TensorBoardDirectory))
            throw new ArgumentException($"{owner}.{nameof(TensorBoardDirectory)} must be null or a directory path.", nameof(TensorBoardDirectory));
        if (CheckpointDirectory is not null && string.IsNullOrWhiteSpace(CheckpointDirectory))
            throw new ArgumentException($"{owner}.{nameof(CheckpointDirectory)} must be null or a directory path.", nameof(CheckpointDirectory));
        DeviceSelector.ValidateSyntax(owner, Device);
        ValidateArchitecture(owner);
    }

    private void ValidateArchitecture(string owner)
    {
        OptionChecks.Defined(owner, nameof(Network), Network);
        OptionChecks.InRange(owner, nameof(ResNetChannels) + ".Length", ResNetChannels?.Length ?? 0, 1, 8);
        for (int i = 0; i < ResNetChannels!.Length; i++)
            OptionChecks.InRange(owner, $"{nameof(ResNetChannels)}[{i}]", ResNetChannels[i], 1, 4096);
        OptionChecks.InRange(owner, nameof(ResNetBlocksPerStage), ResNetBlocksPerStage, 1, 1000);
        OptionChecks.InRange(owner, nameof(NormalizationGroups), NormalizationGroups, 1, 4096);
        OptionChecks.Defined(owner, nameof(RecurrentCell), RecurrentCell);
        OptionChecks.InRange(owner, nameof(RecurrentLayers), RecurrentLayers, 1, 100);
        OptionChecks.InRange(owner, nameof(RecurrentHiddenSize), RecurrentHiddenSize, 1, 65_536);
        OptionChecks.Defined(owner, nameof(SequencePooling), SequencePooling);
        ValidateTransformer(owner);
        if (InputShape is int[] shape)
            for (int i = 0; i < shape.Length; i++)
                OptionChecks.InRange(owner, $"{nameof(InputShape)}[{i}]", shape[i], 1, int.MaxValue);
        int expectedRank = Network switch { NetworkKind.ResNet => 3, NetworkKind.Recurrent => 2, _ => 0 };
        if (Network == NetworkKind.Transformer && InputShape is { Length: not (1 or 2) })
            throw new ArgumentException(
                $"{owner}.{nameof(InputShape)} must be [T, F] (steps, features per step) for a sequence, or null or [D] for a table (one token per feature), " +
                $"for {nameof(Network)} = {Network}; got [{string.Join(", ", InputShape)}].", nameof(InputShape));
        if (expectedRank > 0 && InputShape?.Length != expectedRank)
            throw new ArgumentException(
                $"{owner}.{nameof(InputShape)} must be {(expectedRank == 3 ? "[C, H, W] (channels, height, width)" : "[T, F] (steps, features per step)")} " +
                $"for {nameof(Network)} = {Network}; got {(InputShape is null ? "null" : "[" + string.Join(", ", InputShape) + "]")}.", nameof(InputShape));
        if (NumericEmbedding == NumericEmbeddingKind.Periodic && Network != NetworkKind.Mlp)
            throw new ArgumentException(
                $"{owner}.{nameof(NumericEmbedding)} = {NumericEmbedding} embeds the features of a table for Network = Mlp; " +
                $"a {Network} network reads {Network switch { NetworkKind.ResNet => "images", NetworkKind.Transformer => "tokens of its own", _ => "sequences" }}: " +
                $"set {nameof(NumericEmbedding)} = None.", nameof(NumericEmbedding));
        if (ZeroInitLastNormalization && (!ResidualConnections || EffectiveNormalization == NormalizationKind.None))
            throw new ArgumentException(
                $"{owner}.{nameof(ZeroInitLastNormalization)} starts each residual branch at zero: it needs " +
                $"{nameof(ResidualConnections)} = true and a {nameof(Normalization)} other than None.", nameof(ZeroInitLastNormalization));
        if (Network is NetworkKind.Recurrent or NetworkKind.Transformer && EffectiveNormalization is NormalizationKind.BatchNorm or NormalizationKind.GroupNorm)
            throw new ArgumentException(
                $"{owner}.{nameof(Normalization)} = {Normalization} is not available for {Network} networks: use LayerNorm, RmsNorm or None.", nameof(Normalization));
    }

    private void ValidateTransformer(string owner)
    {
        OptionChecks.InRange(owner, nameof(TransformerLayers), TransformerLayers, 1, 1000);
        OptionChecks.InRange(owner, nameof(AttentionHeads), AttentionHeads, 1, 1024);
        OptionChecks.InRange(owner, nameof(ModelWidth), ModelWidth, 1, 65_536);
        if (FeedForwardWidth is int feedForward)
            OptionChecks.InRange(owner, nameof(FeedForwardWidth), feedForward, 1, 65_536);
        OptionChecks.InHalfOpenRange(owner, nameof(AttentionDropout), AttentionDropout, 0, 1);
        if (NormalizationPlacement is MLStability.NormalizationPlacement placement)
        {
            OptionChecks.Defined(owner, nameof(NormalizationPlacement), placement);
            if (Network != NetworkKind.Transformer)
                throw new ArgumentException(
                    $"{owner}.{nameof(NormalizationPlacement)} places a Transformer block's normalization; for Network = {Network} use {nameof(PreNormalization)}.",
                    nameof(NormalizationPlacement));
            if (PreNormalization && placement != MLStability.NormalizationPlacement.PreNorm)
                throw new ArgumentException(
                    $"{owner}.{nameof(PreNormalization)} = true asks for pre-norm blocks, and {nameof(NormalizationPlacement)} = {placement} for others: set one of them.",
                    nameof(NormalizationPlacement));
        }
        if (Network != NetworkKind.Transformer)
            return;
        if (ModelWidth % AttentionHeads != 0)
            throw new ArgumentException(
                $"{owner}.{nameof(AttentionHeads)} = {AttentionHeads} must divide {nameof(ModelWidth)} = {ModelWidth} (each head gets ModelWidth / AttentionHeads numbers).",
                nameof(AttentionHeads));
        if (EffectiveNormalizationPlacement == MLStability.NormalizationPlacement.DeepNorm && (!ResidualConnections || EffectiveNormalization == NormalizationKind.None))
            throw new ArgumentException(
                $"{owner}.{nameof(NormalizationPlacement)} = DeepNorm scales the residual path before a normalization: it needs " +
                $"{nameof(ResidualConnections)} = true and a {nameof(Normalization)} other than None.", nameof(NormalizationPlacement));
    }

    /// <summary>
    /// Checks <see cref="InputShape"/> against the number of features the data has; throws an <see cref="ArgumentException"/>
    /// that names both when they do not match.
    /// </summary>
    /// <param name="featureCount">The size of the feature vector.</param>
    /// <param name="featureColumn">The feature column's name, for the message.</param>
    public void ValidateInputShape(int featureCount, string featureColumn = "Features")
    {
        if (InputShape is not int[] shape)
            return;
        long product = shape.Aggregate(1L, (p, d) => p * d);
        if (product != featureCount)
            throw new ArgumentException(
                $"{nameof(InputShape)} [{string.Join(", ", shape)}] holds {product} values, but the feature column " +
                $"'{featureColumn}' is a vector of {featureCount} values.", nameof(InputShape));
    }
}
