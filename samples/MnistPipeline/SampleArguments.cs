using System.Globalization;
using MLStability;

namespace MnistPipeline;

/// <summary>Command-line options of the sample.</summary>
internal sealed class SampleArguments
{
    public string? DataDirectory { get; private set; }
    public bool Download { get; private set; }
    public string? Mirror { get; private set; }
    public StableDeepOptions Options { get; } = new() { Seed = 1 };

    public const string Usage = """
        Usage: dotnet run --project samples/MnistPipeline -- [options]
          --data DIR            a directory with the four MNIST IDX files (gzip or not); default: the bundled 10k digits
          --download            download full MNIST into a cache folder and use it
          --mirror URL          the mirror for --download
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
          --no-clipping         switch gradient clipping off
          --no-warmup           no learning-rate warmup, constant schedule
          --default-init        TorchSharp's default initialization instead of He
          --no-dropout          switch dropout off
        """;

    public static SampleArguments Parse(string[] args)
    {
        var parsed = new SampleArguments();
        var o = parsed.Options;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--data": parsed.DataDirectory = Next(); break;
                case "--download": parsed.Download = true; break;
                case "--mirror": parsed.Mirror = Next(); break;
                case "--epochs": o.Epochs = NextInt(); break;
                case "--hidden-layers": o.HiddenLayers = NextInt(); break;
                case "--hidden-size": o.HiddenSize = NextInt(); break;
                case "--seed": o.Seed = NextInt(); break;
                case "--activation": o.Activation = Enum.Parse<ActivationKind>(Next(), ignoreCase: true); break;
                case "--optimizer": o.Optimizer = Enum.Parse<OptimizerKind>(Next(), ignoreCase: true); break;
                case "--learning-rate": o.LearningRate = float.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--device": o.Device = Next(); break;
                case "--no-residual": o.ResidualConnections = false; break;
                case "--no-normalization": o.Normalization = NormalizationKind.None; break;
                case "--no-clipping": o.GradientClipping = GradientClippingKind.None; break;
                case "--no-warmup": o.WarmupSteps = 0; o.LearningRateSchedule = LearningRateScheduleKind.Constant; break;
                case "--default-init": o.Initialization = InitializationKind.Default; break;
                case "--no-dropout": o.Dropout = 0; break;
                case "-h" or "--help": throw new HelpRequestedException();
                default: throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }
        o.Validate();
        return parsed;
    }
}

/// <summary>Thrown by --help: print the usage and exit successfully.</summary>
internal sealed class HelpRequestedException : Exception;
