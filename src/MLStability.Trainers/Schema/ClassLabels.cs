using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLStability.Onnx;

namespace MLStability.Trainers;

/// <summary>
/// The classes a model was trained on: the label column's key count and key values, captured at Fit time so that
/// scoring views without a Label column still get SlotNames and KeyValues. Key values keep their original type
/// (text, numbers, ...), so MapKeyToValue("PredictedLabel") gives back the type the label had, also after a
/// save/load round trip through ONNX.
/// </summary>
internal abstract class ClassLabels
{
    protected ClassLabels(string[] names) => Names = names;

    public int Count => Names.Count;

    /// <summary>Display names of the classes, in key order (the key values as text, or "0", "1", ... without them).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Adds the original key values as annotation <paramref name="name"/>, when the label had them.</summary>
    public abstract void AddKeyValues(DataViewSchema.Annotations.Builder builder, string name);

    /// <summary>Adds the class values as a 1-D ONNX initializer, in key order; returns its name and element type.</summary>
    public abstract (string Name, OnnxType Type) AddOnnxValues(OnnxGraphBuilder graph);

    /// <summary>A one-column view of the class values in key order, for MapValueToKey's keyData.</summary>
    public abstract IDataView KeyData(MLContext ml);

    /// <summary>A MapValue estimator from each class's hash (<paramref name="hashes"/>, in key order) to its value.</summary>
    public abstract IEstimator<ITransformer> MapHashToValue(MLContext ml, uint[] hashes, string outputColumn, string hashColumn);

    public static ClassLabels FromLabelColumn(DataViewSchema.Column label, int count)
    {
        var keyValues = label.Annotations.Schema.GetColumnOrNull("KeyValues");
        if (keyValues?.Type is not VectorDataViewType vector || vector.Size != count)
        {
            var names = Enumerable.Range(0, count).Select(i => i.ToString().AsMemory()).ToArray();
            return new Typed<ReadOnlyMemory<char>>(names, TextDataViewType.Instance, hasKeyValues: false);
        }
        MethodInfo read = typeof(ClassLabels).GetMethod(nameof(Read), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(vector.ItemType.RawType);
        return (ClassLabels)read.Invoke(null, new object[] { label, vector.ItemType })!;
    }

    private static ClassLabels Read<T>(DataViewSchema.Column label, PrimitiveDataViewType itemType)
    {
        VBuffer<T> values = default;
        label.GetKeyValues(ref values);
        return new Typed<T>(values.DenseValues().ToArray(), itemType, hasKeyValues: true);
    }

    private sealed class Typed<T>(T[] values, PrimitiveDataViewType itemType, bool hasKeyValues)
        : ClassLabels(values.Select(v => v?.ToString() ?? "").ToArray())
    {
        public override void AddKeyValues(DataViewSchema.Annotations.Builder builder, string name)
        {
            if (!hasKeyValues)
                return;
            builder.Add(name, new VectorDataViewType(itemType, values.Length),
                (ref VBuffer<T> destination) => new VBuffer<T>(values.Length, (T[])values.Clone()).CopyTo(ref destination));
        }

        public override (string Name, OnnxType Type) AddOnnxValues(OnnxGraphBuilder graph) => values switch
        {
            ReadOnlyMemory<char>[] text => (graph.Initializer("classes", text.Select(t => t.ToString()).ToArray()), OnnxType.String),
            float[] v => (graph.Initializer("classes", v, OnnxType.Float), OnnxType.Float),
            double[] v => (graph.Initializer("classes", v, OnnxType.Double), OnnxType.Double),
            uint[] v => (graph.Initializer("classes", v, OnnxType.UInt32), OnnxType.UInt32),
            int[] v => (graph.Initializer("classes", v, OnnxType.Int32), OnnxType.Int32),
            long[] v => (graph.Initializer("classes", v, OnnxType.Int64), OnnxType.Int64),
            ulong[] v => (graph.Initializer("classes", v, OnnxType.UInt64), OnnxType.UInt64),
            ushort[] v => (graph.Initializer("classes", v, OnnxType.UInt16), OnnxType.UInt16),
            short[] v => (graph.Initializer("classes", v, OnnxType.Int16), OnnxType.Int16),
            byte[] v => (graph.Initializer("classes", v, OnnxType.UInt8), OnnxType.UInt8),
            sbyte[] v => (graph.Initializer("classes", v, OnnxType.Int8), OnnxType.Int8),
            bool[] v => (graph.Initializer("classes", v, OnnxType.Bool), OnnxType.Bool),
            _ => throw new NotSupportedException(
                $"StableDeep: label key values of type {itemType} cannot be stored in an ONNX model."),
        };

        public override IDataView KeyData(MLContext ml) =>
            ml.Data.LoadFromEnumerable(values.Select(v => new ValueRow<T> { Value = v }));

        public override IEstimator<ITransformer> MapHashToValue(MLContext ml, uint[] hashes, string outputColumn, string hashColumn)
        {
            var lookup = ml.Data.LoadFromEnumerable(hashes.Select((h, i) => new LookupRow<T> { Key = h, Value = values[i] }));
            return ml.Transforms.Conversion.MapValue(outputColumn, lookup, lookup.Schema[nameof(LookupRow<T>.Key)],
                lookup.Schema[nameof(LookupRow<T>.Value)], hashColumn);
        }
    }

    /// <summary>One lookup entry, for <see cref="MapHashToValue"/>.</summary>
    public sealed class LookupRow<T>
    {
        public uint Key { get; set; }
        public T Value { get; set; } = default!;
    }

    /// <summary>One value per row, for <see cref="KeyData"/>.</summary>
    public sealed class ValueRow<T>
    {
        public T Value { get; set; } = default!;
    }
}
