// A user's training app, built by .ci/package-consumer from the MLStability packages only.
// Usage: TrainApp DATA_DIR MODEL.zip TEST_ROWS.bin
// TEST_ROWS.bin: int32 rows, int32 columns, then per row the label (uint32) and the features (float32).
using System.Globalization;
using Microsoft.ML;          // ML.NET and the StableDeep catalog methods
using Microsoft.ML.Data;
using MLStability;           // StableDeepOptions
using MLStability.Data;      // the digits loader

var ml = new MLContext(seed: 1);
var train = MnistDataset.Load(ml, args[0], MnistSplit.Train, maxRows: 4000);
var test = MnistDataset.Load(ml, args[0], MnistSplit.Test);
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.MulticlassClassification.Trainers.StableDeep(new StableDeepOptions { Epochs = 5, Seed = 1 }));
var model = pipeline.Fit(train);
var metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
ml.Model.Save(model, train.Schema, args[1]);

var labels = test.GetColumn<uint>("Label").ToArray();
var features = test.GetColumn<float[]>("Features").ToArray();
using (var writer = new BinaryWriter(File.Create(args[2])))
{
    writer.Write(labels.Length);
    writer.Write(features[0].Length);
    for (int i = 0; i < labels.Length; i++)
    {
        writer.Write(labels[i]);
        foreach (float value in features[i])
            writer.Write(value);
    }
}
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MicroAccuracy: {metrics.MicroAccuracy:F4}"));
