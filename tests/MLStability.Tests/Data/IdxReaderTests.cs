using System.IO.Compression;
using MLStability.Data;

namespace MLStability.Tests.Data;

[TestClass]
public sealed class IdxReaderTests
{
    public TestContext TestContext { get; set; } = null!;

    private string TempDirectory()
    {
        string directory = Path.Combine(Path.GetTempPath(), "mlstability-tests", TestContext.TestName!, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        return directory;
    }

    private static byte[] Gunzip(string path)
    {
        using var input = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    [TestMethod]
    public void ReadsTheBundledGzipFiles()
    {
        var images = IdxReader.ReadImages(MnistDataset.FindFile(TestData.MnistDirectory, "train-images-idx3-ubyte"));
        var labels = IdxReader.ReadLabels(MnistDataset.FindFile(TestData.MnistDirectory, "train-labels-idx1-ubyte"));
        Assert.AreEqual(8000, images.Count);
        Assert.AreEqual(28, images.Rows);
        Assert.AreEqual(28, images.Columns);
        Assert.AreEqual(8000, labels.Length);
        // Class counts from the data set's README.
        Assert.AreEqual(788, labels.Count(l => l == 0));
        Assert.AreEqual(899, labels.Count(l => l == 1));
    }

    [TestMethod]
    public void PlainAndGzipFilesGiveTheSameData()
    {
        string directory = TempDirectory();
        foreach (string name in MnistDataset.StandardFileNames)
            File.WriteAllBytes(Path.Combine(directory, name), Gunzip(MnistDataset.FindFile(TestData.MnistDirectory, name)));

        var ml = new MLContext(1);
        var plain = MnistDataset.Load(ml, directory, MnistSplit.Test);
        var gzip = MnistDataset.Load(ml, TestData.MnistDirectory, MnistSplit.Test);
        CollectionAssert.AreEqual(gzip.GetColumn<uint>("Label").ToArray(), plain.GetColumn<uint>("Label").ToArray());
        var first = plain.GetColumn<float[]>("Features").First();
        Assert.AreEqual(784, first.Length);
        Assert.IsTrue(first.All(v => v is >= 0 and <= 1));
        CollectionAssert.AreEqual(gzip.GetColumn<float[]>("Features").First(), first);
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 784), plain.Schema["Features"].Type);
    }

    [TestMethod]
    public void AWrongMagicNumberIsAClearError()
    {
        string directory = TempDirectory();
        string path = Path.Combine(directory, "t10k-labels-idx1-ubyte");
        File.WriteAllBytes(path, Gunzip(MnistDataset.FindFile(TestData.MnistDirectory, "t10k-images-idx3-ubyte")));
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadLabels(path));
        StringAssert.Contains(error.Message, "magic number 2051, expected 2049");
    }

    [TestMethod]
    public void ATruncatedFileIsAClearError()
    {
        string directory = TempDirectory();
        string path = Path.Combine(directory, "images");
        File.WriteAllBytes(path, Gunzip(MnistDataset.FindFile(TestData.MnistDirectory, "t10k-images-idx3-ubyte"))[..5000]);
        var error = Assert.Throws<InvalidDataException>(() => IdxReader.ReadImages(path));
        StringAssert.Contains(error.Message, "ends before");
    }

    [TestMethod]
    public void AMissingFileNamesTheExpectedFiles()
    {
        var error = Assert.Throws<FileNotFoundException>(() => MnistDataset.Load(new MLContext(1), TempDirectory(), MnistSplit.Train));
        StringAssert.Contains(error.Message, "train-images-idx3-ubyte");
    }
}
