using System.IO.Compression;
using System.Text;

namespace MLStability.Tests.Trainers;

[TestClass]
public sealed class ModelPersistenceCatalogTests
{
    private static readonly MLContext Ml = new(seed: 1);
    private static IDataView data = null!;
    private static StableDeepTransformer model = null!;

    [ClassInitialize]
    public static void Train(TestContext _)
    {
        data = TestData.Blobs(Ml, rows: 90);
        model = Ml.MulticlassClassification.Trainers.StableDeep(SmallOptions.Trainer(epochs: 1)).Fit(data);
    }

    private static string TempDirectory()
    {
        string directory = Path.Combine(Path.GetTempPath(), "mlstability-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    [TestMethod]
    public void SaveAtomicAndLoadVerifiedRoundTrip()
    {
        string path = Path.Combine(TempDirectory(), "model.zip");
        Ml.Model.SaveAtomic(model, data.Schema, path);
        var loaded = Ml.Model.LoadVerified(path, out var schema);
        Assert.AreEqual(data.Schema["Features"].Type, schema["Features"].Type);
        CollectionAssert.AreEqual(model.Transform(data).GetColumn<uint>("PredictedLabel").ToArray(),
            loaded.Transform(data).GetColumn<uint>("PredictedLabel").ToArray());
        Assert.AreEqual(1, Directory.GetFiles(Path.GetDirectoryName(path)!).Length, "no temporary file is left");
    }

    [TestMethod]
    public void AFailureWhileSavingLeavesThePreviousFileIntact()
    {
        string directory = TempDirectory();
        string path = Path.Combine(directory, "model.zip");
        Ml.Model.SaveAtomic(model, data.Schema, path);
        byte[] good = File.ReadAllBytes(path);

        // A chain whose second transformer fails half-way through the save, as a full disk would.
        var failing = new TransformerChain<ITransformer>(model, new FailingToSaveTransformer());
        Assert.Throws<IOException>(() => Ml.Model.SaveAtomic(failing, data.Schema, path));

        CollectionAssert.AreEqual(good, File.ReadAllBytes(path));
        Assert.AreEqual(1, Directory.GetFiles(directory).Length, "the temporary file is removed");
        Ml.Model.LoadVerified(path, out _);
    }

    [TestMethod]
    public void ACorruptedZipIsAClearError()
    {
        string path = Path.Combine(TempDirectory(), "model.zip");
        Ml.Model.SaveAtomic(model, data.Schema, path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var error = Assert.Throws<InvalidDataException>(() => Ml.Model.LoadVerified(path, out _));
        StringAssert.Contains(error.Message, path);
        StringAssert.Contains(error.Message, "not a readable ML.NET model zip");
    }

    [TestMethod]
    public void AModelInANewerFormatIsAClearError()
    {
        string path = Path.Combine(TempDirectory(), "model.zip");
        Ml.Model.SaveAtomic(model, data.Schema, path);
        RewriteFormatVersion(path, from: '1', to: '7');
        var error = Assert.Throws<NotSupportedException>(() => Ml.Model.LoadVerified(path, out _));
        StringAssert.Contains(error.Message, "format version 7");
        StringAssert.Contains(error.Message, "Update MLStability");
    }

    [TestMethod]
    public void AMissingFileIsAClearError()
    {
        Assert.Throws<FileNotFoundException>(() => Ml.Model.LoadVerified(Path.Combine(TempDirectory(), "none.zip"), out _));
        var error = Assert.Throws<DirectoryNotFoundException>(() =>
            Ml.Model.SaveAtomic(model, data.Schema, Path.Combine(TempDirectory(), "missing", "model.zip")));
        StringAssert.Contains(error.Message, "does not exist");
    }

    /// <summary>Patches the one-character format version in every zip entry that records it.</summary>
    private static void RewriteFormatVersion(string path, char from, char to)
    {
        byte[] marker = Encoding.ASCII.GetBytes(OnnxMetadata.FormatVersionKey + "\u0012\u0001" + from);
        using var zip = ZipFile.Open(path, ZipArchiveMode.Update);
        int patched = 0;
        foreach (var entry in zip.Entries.ToList())
        {
            byte[] bytes;
            using (var stream = entry.Open())
            using (var copy = new MemoryStream())
            {
                stream.CopyTo(copy);
                bytes = copy.ToArray();
            }
            int at = bytes.AsSpan().IndexOf(marker);
            if (at < 0)
                continue;
            bytes[at + marker.Length - 1] = (byte)to;
            string name = entry.FullName;
            entry.Delete();
            using var replaced = zip.CreateEntry(name).Open();
            replaced.Write(bytes);
            patched++;
        }
        Assert.AreEqual(1, patched);
    }

    private sealed class FailingToSaveTransformer : ITransformer
    {
        public bool IsRowToRowMapper => true;
        public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => inputSchema;
        public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => throw new NotSupportedException();
        public IDataView Transform(IDataView input) => input;
        void ICanSaveModel.Save(ModelSaveContext ctx) => throw new IOException("No space left on device (simulated).");
    }
}
