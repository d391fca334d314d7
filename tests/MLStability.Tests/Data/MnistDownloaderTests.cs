using System.Net;
using System.Net.Sockets;
using MLStability.Data;

namespace MLStability.Tests.Data;

/// <summary>The download code, against a local HTTP server that serves the bundled files (no network needed).</summary>
[TestClass]
public sealed class MnistDownloaderTests
{
    [TestMethod]
    public async Task DownloadsTheFourFilesOnceIntoTheCache()
    {
        using var server = new LocalFileServer(TestData.MnistDirectory);
        string cache = Path.Combine(Path.GetTempPath(), "mlstability-tests", "download-" + Guid.NewGuid().ToString("N"));

        string directory = await MnistDownloader.EnsureDownloadedAsync(server.BaseAddress, cache);
        Assert.AreEqual(4, server.Requests);
        var images = MnistDataset.Load(new MLContext(1), directory, MnistSplit.Test);
        Assert.AreEqual(2000L, images.GetRowCount() ?? images.GetColumn<uint>("Label").LongCount());

        await MnistDownloader.EnsureDownloadedAsync(server.BaseAddress, cache);
        Assert.AreEqual(4, server.Requests, "cached files are not fetched again");
    }

    [TestMethod]
    public async Task AFailedDownloadLeavesNoFileBehind()
    {
        using var server = new LocalFileServer(TestData.MnistDirectory, corrupt: true);
        string cache = Path.Combine(Path.GetTempPath(), "mlstability-tests", "download-" + Guid.NewGuid().ToString("N"));
        await Assert.ThrowsAsync<InvalidDataException>(() => MnistDownloader.EnsureDownloadedAsync(server.BaseAddress, cache));
        Assert.AreEqual(0, Directory.GetFiles(cache).Length);
    }

    [TestMethod]
    public async Task AnHttpErrorNamesTheAddress()
    {
        using var server = new LocalFileServer(Path.GetTempPath());
        string cache = Path.Combine(Path.GetTempPath(), "mlstability-tests", "download-" + Guid.NewGuid().ToString("N"));
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => MnistDownloader.EnsureDownloadedAsync(server.BaseAddress, cache));
        StringAssert.Contains(error.Message, "train-images-idx3-ubyte.gz");
        StringAssert.Contains(error.Message, "404");
    }

    /// <summary>A minimal HTTP server on a free loopback port that serves the files of one directory.</summary>
    private sealed class LocalFileServer : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly string root;
        private readonly bool corrupt;
        private int requests;

        public LocalFileServer(string root, bool corrupt = false)
        {
            this.root = root;
            this.corrupt = corrupt;
            BaseAddress = new Uri($"http://127.0.0.1:{FreePort()}/mnist/");
            listener.Prefixes.Add(BaseAddress.AbsoluteUri);
            listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public Uri BaseAddress { get; }
        public int Requests => Volatile.Read(ref requests);

        private async Task ServeAsync()
        {
            while (listener.IsListening)
            {
                HttpListenerContext context;
                try { context = await listener.GetContextAsync(); }
                catch (Exception) { return; }
                Interlocked.Increment(ref requests);
                string path = Path.Combine(root, Path.GetFileName(context.Request.Url!.AbsolutePath));
                if (File.Exists(path))
                {
                    byte[] bytes = File.ReadAllBytes(path);
                    if (corrupt)
                        bytes = bytes[..(bytes.Length / 2)];
                    await context.Response.OutputStream.WriteAsync(bytes);
                }
                else
                {
                    context.Response.StatusCode = 404;
                }
                context.Response.Close();
            }
        }

        private static int FreePort()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            int port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            return port;
        }

        public void Dispose() => listener.Close();
    }
}
