// Benchmarks (see docs/performance.md):
//   dotnet run -c Release --project benchmarks/MLStability.Benchmarks -- training [--epochs N] [--rows N] [--rounds N] [--data DIR]
//   dotnet run -c Release --project benchmarks/MLStability.Benchmarks -- cnn|lstm|transformer [--epochs N] [--rows N] [--rounds N] [--data DIR]
//   dotnet run -c Release --project benchmarks/MLStability.Benchmarks -- scoring [--rows N] [--predictions N] [--rounds N]
//   dotnet run -c Release --project benchmarks/MLStability.Benchmarks -- diagnostics [--epochs N] [--rows N] [--rounds N] [--depth N]
//   dotnet run -c Release --project benchmarks/MLStability.Benchmarks -- tabular [--folds N] [--only NAME] [--raw-only] [--deep-only]
//   dotnet run -c Release --project benchmarks/MLStability.Benchmarks -- versus-lightgbm [--data DIR] [--epochs N]
//   dotnet run -c Release --project benchmarks/MLStability.Benchmarks -- streaming [--rows N] [--features N] [--fitting-rows N] [--rounds N] [--epochs N] [--skip-large]
//   dotnet run -c Release --project benchmarks/MLStability.Benchmarks -- routes [--rounds N] [--steps N] [--batch N]
//   dotnet run -c Release --project benchmarks/MLStability.Benchmarks -- precision [--epochs N] [--rows N] [--rounds N] [--data DIR] [--depth N] [--width N] [--device NAME]
//   dotnet run -c Release --project benchmarks/MLStability.Benchmarks -- fit-overhead [--epochs N] [--rows N] [--rounds N] [--data DIR]
using MLStability.Benchmarks;

string mode = args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal) ? args[0] : "training";
string[] rest = args.Length > 0 && mode == args[0] ? args[1..] : args;
return mode switch
{
    "training" => TrainingBenchmark.Run(rest),
    "cnn" or "lstm" or "transformer" => NetworkBenchmark.Run(mode, rest),
    "scoring" => ScoringBenchmark.Run(rest),
    "diagnostics" => DiagnosticsBenchmark.Run(rest),
    "tabular" => TabularBenchmark.Run(rest),
    "precision" => PrecisionBenchmark.Run(rest),
    "streaming" => StreamingBenchmark.Run(rest),
    "routes" => RouteBenchmark.Run(rest),
    "fit-overhead" => FitOverheadBenchmark.Run(rest),
    "versus-lightgbm" => ImagesVersusLightGbmBenchmark.Run(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("Usage: MLStability.Benchmarks [training|cnn|lstm|transformer|scoring|diagnostics|tabular|precision|streaming|routes|fit-overhead|versus-lightgbm] [options]");
    return 2;
}
