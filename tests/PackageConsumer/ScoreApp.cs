// A serving app without MLStability or TorchSharp, built by .ci/package-consumer: loads the zip TrainApp saved.
// Usage: ScoreApp MODEL.zip TEST_ROWS.bin
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

var ml = new MLContext(seed: 1);
var model = ml.Model.Load(args[0], out var inputSchema);
using var reader = new BinaryReader(File.OpenRead(args[1]));
int rows = reader.ReadInt32(), columns = reader.ReadInt32();
var data = new List<Row>(rows);
for (int i = 0; i < rows; i++)
{
    uint label = reader.ReadUInt32();
    data.Add(new Row { Label = label, Features = Enumerable.Range(0, columns).Select(_ => reader.ReadSingle()).ToArray() });
}
var definition = SchemaDefinition.Create(typeof(Row));
definition[nameof(Row.Features)].ColumnType = inputSchema["Features"].Type;
var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(data, definition)));
var loaded = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name!)
    .Where(n => n.StartsWith("MLStability", StringComparison.Ordinal) || n.Contains("TorchSharp", StringComparison.Ordinal)).ToArray();
Console.WriteLine($"Loaded MLStability/TorchSharp assemblies: {(loaded.Length == 0 ? "none" : string.Join(", ", loaded))}");
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"MicroAccuracy: {metrics.MicroAccuracy:F4}"));

internal sealed class Row
{
    public uint Label { get; set; }

    public float[] Features { get; set; } = Array.Empty<float>();
}
