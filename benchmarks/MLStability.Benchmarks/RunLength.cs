using System.Globalization;

namespace MLStability.Benchmarks;

/// <summary>The options every training benchmark takes: --epochs N, --rows N, --rounds N, --data DIR.</summary>
internal sealed class RunLength(int epochs, int rows, int rounds)
{
    public int Epochs { get; private set; } = epochs;
    public int Rows { get; private set; } = rows;
    public int Rounds { get; private set; } = rounds;
    public string? DataDirectory { get; private set; }

    public const string Usage = "[--epochs N] [--rows N] [--rounds N] [--data DIR]";

    /// <summary>Reads the option at args[i] (and its value) if it is one of these; returns false otherwise.</summary>
    public bool TryRead(string[] args, ref int i)
    {
        switch (args[i])
        {
            case "--epochs": Epochs = int.Parse(args[++i], CultureInfo.InvariantCulture); return true;
            case "--rows": Rows = int.Parse(args[++i], CultureInfo.InvariantCulture); return true;
            case "--rounds": Rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); return true;
            case "--data": DataDirectory = args[++i]; return true;
            default: return false;
        }
    }
}
