using Microsoft.ML;
using Microsoft.ML.Data;
using MLStability.Data;

namespace MLStability.Tests;

/// <summary>The bundled MNIST digits and small synthetic data sets, shared by the tests.</summary>
internal static class TestData
{
    public static string MnistDirectory => Path.Combine(AppContext.BaseDirectory, "data", "mnist-10k");

    public static IDataView MnistTrain(MLContext ml, int rows) => MnistDataset.Load(ml, MnistDirectory, MnistSplit.Train, rows);

    public static IDataView MnistTest(MLContext ml, int rows) => MnistDataset.Load(ml, MnistDirectory, MnistSplit.Test, rows);

    /// <summary>A public tabular data set from data/tabular (see its README), features and label as TabularDataset loads them.</summary>
    public static IDataView Table(MLContext ml, string file, DataKind label = DataKind.Single) =>
        TabularDataset.Load(ml, Path.Combine(AppContext.BaseDirectory, "data", "tabular", file), label);

    /// <summary>A small separable problem: 3 Gaussian blobs in 8 dimensions, labels already keys via MapValueToKey.</summary>
    public static IDataView Blobs(MLContext ml, int rows = 300, int seed = 7)
    {
        var random = new Random(seed);
        var data = Enumerable.Range(0, rows).Select(i =>
        {
            int label = i % 3;
            var features = new float[8];
            for (int j = 0; j < 8; j++)
                features[j] = (float)(random.NextDouble() - 0.5 + (j % 3 == label ? 1.5 : 0));
            return new BlobRow { Label = "class" + label, Features = features };
        }).ToList();
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(ml.Data.LoadFromEnumerable(data)).Transform(ml.Data.LoadFromEnumerable(data));
    }

    /// <summary>Class-probability vectors of a scored view, row by row.</summary>
    public static float[][] Scores(IDataView scored) =>
        scored.GetColumn<VBuffer<float>>("Score").Select(v => v.DenseValues().ToArray()).ToArray();

    public sealed class BlobRow
    {
        public string Label { get; set; } = "";

        [VectorType(8)]
        public float[] Features { get; set; } = Array.Empty<float>();
    }
}
