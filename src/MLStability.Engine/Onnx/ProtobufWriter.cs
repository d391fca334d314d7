using System.Buffers.Binary;
using System.Text;

namespace MLStability.Onnx;

/// <summary>
/// A minimal protocol-buffers encoder: enough of the wire format (varints, 32-bit floats, length-delimited fields)
/// to write ONNX models without generated code. Nested messages are written by a callback into a child writer.
/// </summary>
internal sealed class ProtobufWriter
{
    private const int Varint = 0, Fixed32 = 5, LengthDelimited = 2;
    private readonly MemoryStream buffer = new();

    public byte[] ToArray() => buffer.ToArray();

    public ProtobufWriter Int(int field, long value)
    {
        Tag(field, Varint);
        WriteVarint((ulong)value);
        return this;
    }

    public ProtobufWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtobufWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimited);
        WriteVarint((ulong)value.Length);
        buffer.Write(value);
        return this;
    }

    public ProtobufWriter Float(int field, float value)
    {
        Tag(field, Fixed32);
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(bytes, value);
        buffer.Write(bytes);
        return this;
    }

    /// <summary>A repeated int64 field, packed (one length-delimited run of varints).</summary>
    public ProtobufWriter PackedInts(int field, IEnumerable<long> values)
    {
        var packed = new ProtobufWriter();
        foreach (long v in values)
            packed.WriteVarint((ulong)v);
        return Bytes(field, packed.ToArray());
    }

    public ProtobufWriter Message(int field, Action<ProtobufWriter> write)
    {
        var child = new ProtobufWriter();
        write(child);
        return Bytes(field, child.ToArray());
    }

    private void Tag(int field, int wireType) => WriteVarint((ulong)((field << 3) | wireType));

    private void WriteVarint(ulong value)
    {
        while (value >= 0x80)
        {
            buffer.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        buffer.WriteByte((byte)value);
    }
}
