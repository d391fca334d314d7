namespace MLStability.Data;

/// <summary>
/// Downloads the four gzip files of an MNIST-style data set into a cache directory, once. Each file is written to a
/// temporary name, checked to be a readable IDX file, and only then moved into place, so an interrupted download
/// never leaves a truncated file that later loads would trust.
/// </summary>
public static class MnistDownloader
{
    /// <summary>A public mirror of full MNIST (the one PyTorch's torchvision uses).</summary>
    public static Uri DefaultMirror { get; } = new("https://ossci-datasets.s3.amazonaws.com/mnist/");

    /// <summary>The default cache: ~/.cache/mlstability/mnist (or the platform's local application data).</summary>
    public static string DefaultCacheDirectory =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create),
            "mlstability", "mnist");

    /// <summary>Ensures the four files are in <paramref name="cacheDirectory"/>, downloading those that are missing.</summary>
    /// <param name="mirror">Base address; the files are fetched as mirror + name + ".gz".</param>
    /// <param name="cacheDirectory">Where the files are kept.</param>
    /// <param name="client">The HTTP client to use (null: a new one).</param>
    /// <param name="log">Receives a line per file.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>The cache directory, ready for <see cref="MnistDataset.Load"/>.</returns>
    public static async Task<string> EnsureDownloadedAsync(Uri mirror, string cacheDirectory, HttpClient? client = null,
        Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        Directory.CreateDirectory(cacheDirectory);
        using var ownClient = client == null ? new HttpClient { Timeout = TimeSpan.FromMinutes(5) } : null;
        var http = client ?? ownClient!;
        var baseUri = mirror.AbsoluteUri.EndsWith('/') ? mirror : new Uri(mirror.AbsoluteUri + "/");
        foreach (string name in MnistDataset.StandardFileNames)
        {
            string target = Path.Combine(cacheDirectory, name + ".gz");
            if (File.Exists(target))
                continue;
            var source = new Uri(baseUri, name + ".gz");
            log?.Invoke($"Downloading {source} ...");
            string temporary = target + ".part";
            try
            {
                using (var response = await http.GetAsync(source, HttpCompletionOption.ResponseHeadersRead, cancellationToken))
                {
                    if (!response.IsSuccessStatusCode)
                        throw new HttpRequestException($"Downloading {source} failed: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
                    await using var file = File.Create(temporary);
                    await response.Content.CopyToAsync(file, cancellationToken);
                }
                Validate(temporary, name);
                File.Move(temporary, target, overwrite: true);
            }
            finally
            {
                File.Delete(temporary);
            }
        }
        return cacheDirectory;
    }

    private static void Validate(string path, string name)
    {
        if (name.Contains("labels", StringComparison.Ordinal))
            IdxReader.ReadLabels(path);
        else
            IdxReader.ReadImages(path);
    }
}
