using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Data;

/// <summary>Which part of an MNIST-style data set to load.</summary>
public enum MnistSplit
{
    /// <summary>train-images-idx3-ubyte / train-labels-idx1-ubyte.</summary>
    Train,
    /// <summary>t10k-images-idx3-ubyte / t10k-labels-idx1-ubyte.</summary>
    Test,
}

/// <summary>
/// Loads MNIST-style IDX data sets (MNIST, Fashion-MNIST, or the 10,000-digit subset bundled with MLStability) into
/// an IDataView with a <c>Label</c> column (the digit, UInt32) and a <c>Features</c> column (pixels / 255 as a
/// known-size vector of Single, row-major).
/// </summary>
/// <remarks>MNIST is by Yann LeCun, Corinna Cortes and Christopher J.C. Burges.</remarks>
public static class MnistDataset
{
    /// <summary>The four standard file names, without the optional ".gz".</summary>
    public static IReadOnlyList<string> StandardFileNames { get; } = new[]
    {
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    };

    /// <summary>Loads one split from <paramref name="directory"/>.</summary>
    /// <param name="mlContext">The ML.NET context.</param>
    /// <param name="directory">A directory holding the standard IDX files, plain or gzip.</param>
    /// <param name="split">Train or test.</param>
    /// <param name="maxRows">Load at most this many rows (null: all).</param>
    public static IDataView Load(MLContext mlContext, string directory, MnistSplit split, int? maxRows = null)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        string prefix = split == MnistSplit.Train ? "train" : "t10k";
        var images = IdxReader.ReadImages(FindFile(directory, $"{prefix}-images-idx3-ubyte"));
        var labels = IdxReader.ReadLabels(FindFile(directory, $"{prefix}-labels-idx1-ubyte"));
        if (labels.Length != images.Count)
            throw new InvalidDataException($"{directory}: {images.Count} {prefix} images but {labels.Length} labels.");
        int rows = Math.Min(images.Count, maxRows ?? int.MaxValue);
        var definition = SchemaDefinition.Create(typeof(MnistRow));
        definition[nameof(MnistRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, images.PixelsPerImage);
        // A list, not a lazy sequence: the view then knows its row count and supports shuffling.
        return mlContext.Data.LoadFromEnumerable(ToRows(images, labels, rows).ToList(), definition);
    }

    /// <summary>Finds "name" or "name.gz" (or MNIST's alternative "name" with '.' before "idx") in the directory.</summary>
    /// <param name="directory">The data directory.</param>
    /// <param name="name">A standard file name without ".gz".</param>
    public static string FindFile(string directory, string name)
    {
        string dotted = name.Replace("-idx", ".idx", StringComparison.Ordinal);
        foreach (string candidate in new[] { name, name + ".gz", dotted, dotted + ".gz" })
        {
            string path = Path.Combine(directory, candidate);
            if (File.Exists(path))
                return path;
        }
        throw new FileNotFoundException(
            $"'{name}' (or '{name}.gz') was not found in '{directory}'. An MNIST-style directory holds the four files " +
            string.Join(", ", StandardFileNames) + ".", Path.Combine(directory, name));
    }

    private static IEnumerable<MnistRow> ToRows(IdxImages images, byte[] labels, int rows)
    {
        int size = images.PixelsPerImage;
        for (int i = 0; i < rows; i++)
        {
            var features = new float[size];
            for (int p = 0; p < size; p++)
                features[p] = images.Pixels[i * size + p] / 255f;
            yield return new MnistRow { Label = labels[i], Features = features };
        }
    }

    /// <summary>One image of an MNIST-style data set.</summary>
    public sealed class MnistRow
    {
        /// <summary>The class (0-9 for digits).</summary>
        public uint Label { get; set; }

        /// <summary>Pixel intensities scaled to [0, 1], row-major.</summary>
        public float[] Features { get; set; } = Array.Empty<float>();
    }
}
