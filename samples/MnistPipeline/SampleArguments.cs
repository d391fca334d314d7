using System.Globalization;
using MLStability;

namespace MnistPipeline;

/// <summary>Command-line options of the sample.</summary>
internal sealed class SampleArguments
{
    public string? DataDirectory { get; private set; }
    public bool Download { get; private set; }
    public string? Mirror { get; private set; }
    public StableDeepOptions Options { get; private set; } = new();
    public string? LearningRatePlot { get; private set; }

    public const string Usage = """
        Usage: dotnet run --project samples/MnistPipeline -- [options]
          --data DIR            a directory with the four MNIST IDX files (gzip or not); default: the bundled 10k digits
          --download            download full MNIST into a cache folder and use it
          --mirror URL          the mirror for --download
          --network NAME        mlp (default); resnet: StableDeepOptions.ForImages(1, 28, 28); lstm, gru, rnn:
                                StableDeepOptions.ForSequences(28, 28, cell), sequential MNIST by rows; transformer:
                                Network = Transformer, InputShape = [28, 28] (a Transformer encoder over the 28 rows).
                                The other options then change that preset.
          --epochs N            training epochs (default 10)
          --hidden-layers N     hidden layers (default 4)
          --hidden-size N       hidden width (default 256)
          --seed N              random seed (default 1)
          --activation NAME     Sigmoid, Tanh, ReLU, LeakyReLU, ELU, GELU, SELU
          --optimizer NAME      Sgd, Momentum, Adam, AdamW, RmsProp
          --learning-rate X     peak learning rate
          --device NAME         auto, cpu, cuda, cuda:N
          --no-residual         switch residual connections off
          --no-normalization    switch normalization off
          --normalization NAME  None, BatchNorm, LayerNorm (default), GroupNorm
          --no-clipping         switch gradient clipping off
          --clipping NAME       None, Value, GlobalNorm (default), Adaptive
          --clipping-threshold X  the clipping threshold (Adaptive: lambda, e.g. 0.01)
          --no-warmup           no learning-rate warmup, constant schedule
          --default-init        TorchSharp's default initialization instead of He
          --no-dropout          switch dropout off
          --dropout X           dropout probability (default 0.1)
          --weight-decay X      weight decay (default 1e-4)
          --batch-size N        rows per mini-batch (default 128)
          --channels A,B,C      ResNet stage channels (default 16,32,64)
          --blocks N            ResNet blocks per stage (default 1)
          --recurrent-size N    recurrent state size (default 128)
          --layers N            Transformer blocks (default 4)
          --heads N             Transformer attention heads (default 4)
          --width N             Transformer model width (default 64)
          --placement NAME      Transformer normalization: PreNorm (default), PostNorm, DeepNorm
          --data-loading NAME   Auto (default), InMemory or Streaming (read the digits through cursors every epoch)
          --precision NAME      Auto (default: BFloat16 for large MLPs where the CPU has AVX512_BF16/AMX), Float32 or BFloat16
          --tensorboard DIR     write TensorBoard event files into DIR while training (tensorboard --logdir DIR)
          --find-learning-rate PNG  run the learning-rate range test first, draw its curve into PNG and train with
                                the suggested learning rate (overrides --learning-rate)
        """;

    public static SampleArguments Parse(string[] args)
    {
        var parsed = new SampleArguments();
        int network = Array.IndexOf(args, "--network");
        parsed.Options = network >= 0 && network + 1 < args.Length ? Preset(args[network + 1]) : new StableDeepOptions();
        var o = parsed.Options;
        o.Seed = 1;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--data": parsed.DataDirectory = Next(); break;
                case "--download": parsed.Download = true; break;
                case "--mirror": parsed.Mirror = Next(); break;
                case "--network": Next(); break; // applied first, as the preset the other options change
                case "--epochs": o.Epochs = NextInt(); break;
                case "--batch-size": o.BatchSize = NextInt(); break;
                case "--channels": o.ResNetChannels = Next().Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--blocks": o.ResNetBlocksPerStage = NextInt(); break;
                case "--recurrent-size": o.RecurrentHiddenSize = NextInt(); break;
                case "--layers": o.TransformerLayers = NextInt(); break;
                case "--heads": o.AttentionHeads = NextInt(); break;
                case "--width": o.ModelWidth = NextInt(); break;
                case "--placement": o.NormalizationPlacement = Enum.Parse<NormalizationPlacement>(Next(), ignoreCase: true); break;
                case "--hidden-layers": o.HiddenLayers = NextInt(); break;
                case "--hidden-size": o.HiddenSize = NextInt(); break;
                case "--seed": o.Seed = NextInt(); break;
                case "--activation": o.Activation = Enum.Parse<ActivationKind>(Next(), ignoreCase: true); break;
                case "--optimizer": o.Optimizer = Enum.Parse<OptimizerKind>(Next(), ignoreCase: true); break;
                case "--learning-rate": o.LearningRate = float.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--device": o.Device = Next(); break;
                case "--no-residual": o.ResidualConnections = false; break;
                case "--no-normalization": o.Normalization = NormalizationKind.None; break;
                case "--normalization": o.Normalization = Enum.Parse<NormalizationKind>(Next(), ignoreCase: true); break;
                case "--no-clipping": o.GradientClipping = GradientClippingKind.None; break;
                case "--clipping": o.GradientClipping = Enum.Parse<GradientClippingKind>(Next(), ignoreCase: true); break;
                case "--clipping-threshold": o.ClippingThreshold = float.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--no-warmup": o.WarmupSteps = 0; o.LearningRateSchedule = LearningRateScheduleKind.Constant; break;
                case "--default-init": o.Initialization = InitializationKind.Default; break;
                case "--no-dropout": o.Dropout = 0; break;
                case "--dropout": o.Dropout = float.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--weight-decay": o.WeightDecay = float.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--no-feature-scaling": o.FeatureScaling = FeatureScalingKind.None; break;
                case "--tensorboard": o.TensorBoardDirectory = Next(); break;
                case "--data-loading": o.DataLoading = Enum.Parse<DataLoadingKind>(Next(), ignoreCase: true); break;
                case "--precision": o.Precision = Enum.Parse<PrecisionKind>(Next(), ignoreCase: true); break;
                case "--find-learning-rate": parsed.LearningRatePlot = Next(); break;
                case "-h" or "--help": throw new HelpRequestedException();
                default: throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }
        o.Validate();
        return parsed;
    }

    /// <summary>The network kinds the sample offers; every image is 28 x 28 with one channel.</summary>
    private static StableDeepOptions Preset(string name) => name.ToLowerInvariant() switch
    {
        "mlp" => new StableDeepOptions(),
        "resnet" => StableDeepOptions.ForImages(1, 28, 28),
        "lstm" => StableDeepOptions.ForSequences(28, 28, RecurrentCellKind.LSTM), // 28 steps (rows) of 28 pixels
        "gru" => StableDeepOptions.ForSequences(28, 28, RecurrentCellKind.GRU),
        "rnn" => StableDeepOptions.ForSequences(28, 28, RecurrentCellKind.Vanilla),
        "transformer" => new StableDeepOptions { Network = NetworkKind.Transformer, InputShape = new[] { 28, 28 } },
        _ => throw new ArgumentException($"Unknown network '{name}': use mlp, resnet, lstm, gru, rnn or transformer."),
    };
}

/// <summary>Thrown by --help: print the usage and exit successfully.</summary>
internal sealed class HelpRequestedException : Exception;
