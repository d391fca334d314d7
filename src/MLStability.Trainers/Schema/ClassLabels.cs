using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>
/// The classes a model was trained on: the label column's key count and key values, captured at Fit time so that
/// scoring views without a Label column still get SlotNames and KeyValues. Key values keep their original type
/// (text, numbers, ...), so MapKeyToValue("PredictedLabel") gives back the type the label had.
/// </summary>
internal sealed class ClassLabels
{
    private readonly Action<DataViewSchema.Annotations.Builder, string>? addKeyValues;

    private ClassLabels(int count, string[] names, Action<DataViewSchema.Annotations.Builder, string>? addKeyValues)
    {
        Count = count;
        Names = names;
        this.addKeyValues = addKeyValues;
    }

    public int Count { get; }

    /// <summary>Display names of the classes, in key order (the key values as text, or "0", "1", ... without them).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Adds the original key values as annotation <paramref name="name"/>, when the label had them.</summary>
    public void AddKeyValues(DataViewSchema.Annotations.Builder builder, string name) => addKeyValues?.Invoke(builder, name);

    public static ClassLabels FromLabelColumn(DataViewSchema.Column label, int count)
    {
        var keyValues = label.Annotations.Schema.GetColumnOrNull("KeyValues");
        if (keyValues?.Type is not VectorDataViewType vector || vector.Size != count)
            return new ClassLabels(count, Enumerable.Range(0, count).Select(i => i.ToString()).ToArray(), null);
        MethodInfo read = typeof(ClassLabels).GetMethod(nameof(Read), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(vector.ItemType.RawType);
        return (ClassLabels)read.Invoke(null, new object[] { label, vector.ItemType, count })!;
    }

    private static ClassLabels Read<T>(DataViewSchema.Column label, DataViewType itemType, int count)
    {
        VBuffer<T> values = default;
        label.GetKeyValues(ref values);
        T[] dense = values.DenseValues().ToArray();
        string[] names = dense.Select(v => v?.ToString() ?? "").ToArray();
        var type = new VectorDataViewType((PrimitiveDataViewType)itemType, count);
        void Add(DataViewSchema.Annotations.Builder builder, string name) =>
            builder.Add(name, type, (ref VBuffer<T> destination) => new VBuffer<T>(dense.Length, (T[])dense.Clone()).CopyTo(ref destination));
        return new ClassLabels(count, names, Add);
    }
}
