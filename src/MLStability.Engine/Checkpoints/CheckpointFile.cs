using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace MLStability;

/// <summary>
/// A training checkpoint on disk: one file holding a JSON header (counters, scalars, fingerprint) and named tensors
/// (float32, int64 or uint8, raw little-endian bytes). It is written to a temporary file, flushed, and renamed over
/// the previous one, so a crash never leaves a half-written checkpoint where a good one was.
/// </summary>
internal sealed class CheckpointFile
{
    private const string Magic = "MLSTABILITY-CHECKPOINT-1";
    public const string FileName = "stabledeep.checkpoint";

    public Dictionary<string, JsonElement> Values { get; } = new();
    public Dictionary<string, Tensor> Tensors { get; } = new();

    public void Set<T>(string key, T value) => Values[key] = JsonSerializer.SerializeToElement(value, Json);

    public T Get<T>(string key) => Values.TryGetValue(key, out var value)
        ? value.Deserialize<T>(Json)!
        : throw new InvalidDataException($"The checkpoint has no '{key}'.");

    /// <summary>Stores a CPU copy of <paramref name="tensor"/> (kept out of any dispose scope).</summary>
    public void SetTensor(string key, Tensor tensor)
    {
        using var noGrad = torch.no_grad();
        Tensors[key] = tensor.detach().to(torch.CPU).contiguous().clone().DetachFromDisposeScope();
    }

    public Tensor GetTensor(string key) => Tensors.TryGetValue(key, out var tensor)
        ? tensor
        : throw new InvalidDataException($"The checkpoint has no tensor '{key}'.");

    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        string temporary = Path.Combine(directory, $".{FileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(JsonSerializer.Serialize(Values, Json));
                writer.Write(Tensors.Count);
                foreach (var (name, tensor) in Tensors)
                {
                    writer.Write(name);
                    writer.Write((int)tensor.dtype);
                    writer.Write(tensor.shape.Length);
                    foreach (long dim in tensor.shape)
                        writer.Write(dim);
                    byte[] bytes = Bytes(tensor);
                    writer.Write(bytes.Length);
                    writer.Write(bytes);
                }
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Reads the checkpoint in <paramref name="directory"/>, or returns null when there is none.</summary>
    public static CheckpointFile? Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
            return null;
        var file = new CheckpointFile();
        try
        {
            using var reader = new BinaryReader(File.OpenRead(path), Encoding.UTF8);
            if (reader.ReadString() != Magic)
                throw new InvalidDataException("it does not start with the checkpoint signature");
            foreach (var (key, value) in JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(reader.ReadString(), Json)!)
                file.Values[key] = value;
            int count = reader.ReadInt32();
            for (int i = 0; i < count; i++)
            {
                string name = reader.ReadString();
                var type = (ScalarType)reader.ReadInt32();
                var shape = new long[reader.ReadInt32()];
                for (int d = 0; d < shape.Length; d++)
                    shape[d] = reader.ReadInt64();
                byte[] bytes = reader.ReadBytes(reader.ReadInt32());
                file.Tensors[name] = FromBytes(bytes, type, shape).DetachFromDisposeScope();
            }
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or JsonException or InvalidDataException or ArgumentException)
        {
            throw new InvalidDataException($"The checkpoint '{path}' is corrupted ({e.Message}). Delete it to start over.", e);
        }
        return file;
    }

    private static byte[] Bytes(Tensor tensor) => tensor.dtype switch
    {
        ScalarType.Float32 => ToBytes(tensor.data<float>().ToArray()),
        ScalarType.Int64 => ToBytes(tensor.data<long>().ToArray()),
        ScalarType.Byte => tensor.data<byte>().ToArray(),
        _ => throw new NotSupportedException($"Checkpoints do not store {tensor.dtype} tensors."),
    };

    private static byte[] ToBytes<T>(T[] values) where T : unmanaged =>
        System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();

    private static Tensor FromBytes(byte[] bytes, ScalarType type, long[] shape) => type switch
    {
        ScalarType.Float32 => torch.tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape),
        ScalarType.Int64 => torch.tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(bytes).ToArray(), shape),
        ScalarType.Byte => torch.tensor(bytes, shape),
        _ => throw new InvalidDataException($"unsupported tensor type {type}"),
    };

    private static JsonSerializerOptions Json => JsonDefaults.Options;

    /// <summary>Disposes the tensors held in memory.</summary>
    public void DisposeTensors()
    {
        foreach (var tensor in Tensors.Values)
            tensor.Dispose();
        Tensors.Clear();
    }
}
