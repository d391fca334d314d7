using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLStability.Trainers;

/// <summary>Reads a key-typed label as a 1-based ulong (0 = missing), whatever the key's raw type.</summary>
internal static class LabelReader
{
    public static Func<ulong> Create(DataViewRow row, DataViewSchema.Column label)
    {
        var raw = ((KeyDataViewType)label.Type).RawType;
        if (raw == typeof(uint)) return Read<uint>(row, label, v => v);
        if (raw == typeof(byte)) return Read<byte>(row, label, v => v);
        if (raw == typeof(ushort)) return Read<ushort>(row, label, v => v);
        if (raw == typeof(ulong)) return Read<ulong>(row, label, v => v);
        throw new NotSupportedException($"StableDeep: key type with raw type {raw.Name} in label column '{label.Name}' is not supported.");
    }

    private static Func<ulong> Read<T>(DataViewRow row, DataViewSchema.Column label, Func<T, ulong> widen)
    {
        var getter = row.GetGetter<T>(label);
        T value = default!;
        return () =>
        {
            getter(ref value);
            return widen(value);
        };
    }
}
