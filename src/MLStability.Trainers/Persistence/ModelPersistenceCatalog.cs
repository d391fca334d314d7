using System.IO.Compression;
using System.Text;
using Microsoft.ML;
using MLStability;
using MLStability.Trainers;

// In ML.NET's namespace, as ML.NET's own extension packages do: `using Microsoft.ML;` finds these methods.
namespace Microsoft.ML;

/// <summary>
/// Safer companions of <c>mlContext.Model.Save</c> and <c>Load</c>: an atomic save that never leaves a truncated zip
/// where a good one was, and a load that turns corrupted or too-new files into clear errors.
/// </summary>
public static class ModelPersistenceCatalog
{
    /// <summary>
    /// Saves <paramref name="model"/> like <c>mlContext.Model.Save</c>, but atomically: the zip is written to a
    /// temporary file in the same directory, flushed to disk, and only then renamed over <paramref name="filePath"/>.
    /// If anything fails (an exception while saving, a full disk), the previous file at that path is untouched.
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The fitted model.</param>
    /// <param name="inputSchema">The schema of the data the model expects.</param>
    /// <param name="filePath">Where the zip goes.</param>
    public static void SaveAtomic(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrWhiteSpace(filePath);
        string fullPath = Path.GetFullPath(filePath);
        string directory = Path.GetDirectoryName(fullPath)!;
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"Cannot save the model to '{fullPath}': the directory '{directory}' does not exist.");
        string temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                catalog.Save(model, inputSchema, stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true); // A rename: atomic on the same file system.
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>
    /// Loads a model like <c>mlContext.Model.Load</c>, with clear errors: a missing file, a file that is not a
    /// readable model zip, or a StableDeep model written in a newer MLStability format than this version reads. It
    /// registers MLStability with the MLContext first, which saved StableDeep regression and binary models need.
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="filePath">The zip to load.</param>
    /// <param name="inputSchema">The schema of the data the model expects.</param>
    public static ITransformer LoadVerified(this ModelOperationsCatalog catalog, string filePath, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (!File.Exists(filePath))
            throw new FileNotFoundException($"The model file '{filePath}' does not exist.", filePath);
        int newest = NewestFormatVersion(filePath);
        if (newest > OnnxMetadata.FormatVersion)
            throw new NotSupportedException(
                $"'{filePath}' holds a StableDeep model in format version {newest}, but this MLStability reads up to " +
                $"version {OnnxMetadata.FormatVersion}. Update MLStability to load it.");
        // Saved regression, binary and autoencoder models end with MLStability's CustomMapping steps.
        ScalarScoringChain.RegisterWith(HostEnvironmentAccess.From(catalog));
        try
        {
            return catalog.Load(filePath, out inputSchema);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidDataException($"'{filePath}' is not a readable ML.NET model zip ({e.GetType().Name}: {e.Message}).", e);
        }
    }

    /// <summary>The highest MLStability format version recorded in the zip's ONNX models, or 0 if none.</summary>
    private static int NewestFormatVersion(string filePath)
    {
        try
        {
            using var zip = ZipFile.OpenRead(filePath);
            int newest = 0;
            foreach (var entry in zip.Entries)
            {
                using var stream = entry.Open();
                using var bytes = new MemoryStream();
                stream.CopyTo(bytes);
                foreach (int version in FormatVersions(bytes.ToArray()))
                    newest = Math.Max(newest, version);
            }
            return newest;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{filePath}' is not a readable ML.NET model zip ({e.Message}).", e);
        }
    }

    /// <summary>
    /// Finds metadata entries { key = "mlstability.format_version", value = "N" } in serialized ONNX bytes: the key
    /// string, then the value field (tag 0x12), its length and its digits.
    /// </summary>
    private static IEnumerable<int> FormatVersions(byte[] bytes)
    {
        byte[] key = Encoding.ASCII.GetBytes(OnnxMetadata.FormatVersionKey);
        for (int at = bytes.AsSpan().IndexOf(key); at >= 0;)
        {
            int value = at + key.Length;
            if (value + 2 <= bytes.Length && bytes[value] == 0x12 && value + 2 + bytes[value + 1] <= bytes.Length
                && int.TryParse(Encoding.ASCII.GetString(bytes, value + 2, bytes[value + 1]), out int version))
                yield return version;
            int next = bytes.AsSpan(at + 1).IndexOf(key);
            at = next < 0 ? -1 : at + 1 + next;
        }
    }
}
