// Usage: MLStability.OnnxConsumer MODEL.zip FEATURES.bin
// FEATURES.bin: int32 rows, int32 columns, then rows x columns float32 (little-endian).
// Prints one line per row: the PredictedLabel key, its key value, and the Score vector (round-trip formatting).
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length != 2)
{
    Console.Error.WriteLine("Usage: MLStability.OnnxConsumer MODEL.zip FEATURES.bin");
    return 2;
}

var ml = new MLContext();
var model = ml.Model.Load(args[0], out var inputSchema);
using var reader = new BinaryReader(File.OpenRead(args[1]));
int rows = reader.ReadInt32(), columns = reader.ReadInt32();
var data = Enumerable.Range(0, rows)
    .Select(_ => new Row { Features = Enumerable.Range(0, columns).Select(_ => reader.ReadSingle()).ToArray() })
    .ToList();
var definition = SchemaDefinition.Create(typeof(Row));
definition[nameof(Row.Features)].ColumnType = inputSchema["Features"].Type;

var scored = model.Transform(ml.Data.LoadFromEnumerable(data, definition));
var predicted = scored.Schema["PredictedLabel"];
var names = KeyValueNames(predicted);
Console.WriteLine($"# {predicted.Type}; assemblies: {string.Join(",", AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name).Where(n => n!.StartsWith("MLStability.Trainers") || n.StartsWith("MLStability.Engine") || n.Contains("TorchSharp")))}");
foreach (var (key, score) in scored.GetColumn<uint>(predicted).Zip(scored.GetColumn<float[]>("Score")))
    Console.WriteLine($"{key}\t{names[key - 1]}\t{string.Join(",", score.Select(s => s.ToString("R", CultureInfo.InvariantCulture)))}");
return 0;

static string[] KeyValueNames(DataViewSchema.Column column)
{
    var itemType = ((VectorDataViewType)column.Annotations.Schema["KeyValues"].Type).ItemType;
    if (itemType == NumberDataViewType.UInt32)
        return Read<uint>(column);
    return Read<ReadOnlyMemory<char>>(column);

    static string[] Read<T>(DataViewSchema.Column column)
    {
        VBuffer<T> values = default;
        column.GetKeyValues(ref values);
        return values.DenseValues().Select(v => v!.ToString()!).ToArray();
    }
}

internal sealed class Row
{
    public float[] Features { get; set; } = Array.Empty<float>();
}
