using System.Runtime.InteropServices;
using System.Text;

namespace MLStability.Onnx;

/// <summary>ONNX tensor element types used by the exporter (values of TensorProto.DataType).</summary>
internal enum OnnxType
{
    Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7, String = 8, Bool = 9, Double = 11,
    UInt32 = 12, UInt64 = 13,
}

/// <summary>
/// Builds an ONNX graph (nodes, initializers, inputs, outputs) and serializes the model. Field numbers follow
/// onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto, ValueInfoProto).
/// </summary>
internal sealed class OnnxGraphBuilder
{
    /// <summary>The default-domain opset the exporter targets: 17 has LayerNormalization.</summary>
    public const int Opset = 17;
    private const int IrVersion = 8; // The IR version that introduced opset 17.

    private readonly List<Action<ProtobufWriter>> nodes = new(), initializers = new(), inputs = new(), outputs = new();
    private readonly HashSet<string> names = new();
    private int counter;

    /// <summary>A fresh value name with a readable prefix.</summary>
    public string Name(string prefix)
    {
        string name;
        do name = $"{prefix}_{counter++}"; while (!names.Add(name));
        return name;
    }

    public void Input(string name, OnnxType type, params long?[] shape) => inputs.Add(ValueInfo(name, type, shape));

    /// <summary>
    /// Declares a graph output. With <see cref="RowOutputs"/>, an [N, K] output is declared as [K] and computed by a
    /// final Reshape to [-1] of the batch value (renamed internally), since each call then scores one row.
    /// </summary>
    public void Output(string name, OnnxType type, params long?[] shape)
    {
        if (RowOutputs && shape is [null, long width])
        {
            string batch = Name(name + "_batch");
            batchNames[name] = batch; // every node that produces or reads the value now uses the batch name
            string flat = Int64s("row_shape", -1);
            nodes.Add(w => w.String(1, batch).String(1, flat).String(2, name).String(3, Name("node_Reshape")).String(4, "Reshape"));
            outputs.Add(ValueInfo(name, type, new long?[] { width }));
            return;
        }
        outputs.Add(ValueInfo(name, type, shape));
    }

    /// <summary>
    /// Declare [N, K] outputs per row, as [K]: for ML.NET's OnnxTransformer, which runs the graph one row at a time
    /// and would otherwise type such outputs as 1 x K matrices instead of vectors of K.
    /// </summary>
    public bool RowOutputs { get; init; }

    private readonly Dictionary<string, string> batchNames = new();

    private string Resolve(string name) => batchNames.TryGetValue(name, out var batch) ? batch : name;

    /// <summary>Adds a float initializer and returns its name.</summary>
    public string Initializer(string prefix, float[] values, params long[] dims)
    {
        string name = Name(prefix);
        initializers.Add(w => w.PackedInts(1, dims).Int(2, (int)OnnxType.Float).String(8, name)
            .Bytes(9, MemoryMarshal.AsBytes(values.AsSpan())));
        return name;
    }

    /// <summary>Adds a 1-D string initializer and returns its name.</summary>
    public string Initializer(string prefix, string[] values)
    {
        string name = Name(prefix);
        initializers.Add(w =>
        {
            w.PackedInts(1, new long[] { values.Length }).Int(2, (int)OnnxType.String);
            foreach (string v in values)
                w.Bytes(6, Encoding.UTF8.GetBytes(v));
            w.String(8, name);
        });
        return name;
    }

    /// <summary>Adds a 1-D numeric initializer of any blittable element type and returns its name.</summary>
    public string Initializer<T>(string prefix, T[] values, OnnxType type) where T : unmanaged =>
        Initializer(prefix, values, type, new long[] { values.Length });

    /// <summary>Adds a numeric initializer of the given shape (empty for a scalar) and returns its name.</summary>
    public string Initializer<T>(string prefix, T[] values, OnnxType type, long[] dims) where T : unmanaged
    {
        string name = Name(prefix);
        initializers.Add(w => w.PackedInts(1, dims).Int(2, (int)type).String(8, name)
            .Bytes(9, MemoryMarshal.AsBytes(values.AsSpan())));
        return name;
    }

    /// <summary>Adds a 1-D int64 initializer (shapes, axes, indices) and returns its name.</summary>
    public string Int64s(string prefix, params long[] values) => Initializer(prefix, values, OnnxType.Int64);

    /// <summary>Adds a node with a single output and returns that output's name.</summary>
    public string Node(string opType, string[] nodeInputs, params OnnxAttribute[] attributes) =>
        Node(opType, nodeInputs, Name(opType.ToLowerInvariant()), attributes);

    /// <summary>Adds a node whose single output has the given name.</summary>
    public string Node(string opType, string[] nodeInputs, string output, params OnnxAttribute[] attributes)
    {
        names.Add(output);
        string nodeName = Name("node_" + opType);
        nodes.Add(w =>
        {
            foreach (string input in nodeInputs)
                w.String(1, Resolve(input));
            w.String(2, Resolve(output)).String(3, nodeName).String(4, opType);
            foreach (var attribute in attributes)
                w.Message(5, attribute.Write);
        });
        return output;
    }

    /// <summary>Serializes the model with the given metadata (ModelProto.metadata_props).</summary>
    public byte[] Build(string graphName, string producerVersion, IReadOnlyDictionary<string, string> metadata)
    {
        var model = new ProtobufWriter()
            .Int(1, IrVersion)
            .String(2, "MLStability")
            .String(3, producerVersion)
            .Message(7, graph =>
            {
                foreach (var node in nodes) graph.Message(1, node);
                graph.String(2, graphName);
                foreach (var initializer in initializers) graph.Message(5, initializer);
                foreach (var input in inputs) graph.Message(11, input);
                foreach (var output in outputs) graph.Message(12, output);
            })
            .Message(8, opset => opset.String(1, "").Int(2, Opset));
        foreach (var (key, value) in metadata)
            model.Message(14, entry => entry.String(1, key).String(2, value));
        return model.ToArray();
    }

    private static Action<ProtobufWriter> ValueInfo(string name, OnnxType type, long?[] shape) => w => w
        .String(1, name)
        .Message(2, typeProto => typeProto.Message(1, tensor => tensor
            .Int(1, (int)type)
            .Message(2, shapeProto =>
            {
                foreach (long? dim in shape)
                    shapeProto.Message(1, d => { if (dim is long size) d.Int(1, size); else d.String(2, "N"); });
            })));
}

/// <summary>A node attribute (AttributeProto): an int, a float, a list of ints or a string.</summary>
internal sealed class OnnxAttribute
{
    private readonly Action<ProtobufWriter> write;

    private OnnxAttribute(Action<ProtobufWriter> write) => this.write = write;

    public void Write(ProtobufWriter writer) => write(writer);

    public static OnnxAttribute Int(string name, long value) => new(w => w.String(1, name).Int(3, value).Int(20, 2));

    public static OnnxAttribute Float(string name, float value) => new(w => w.String(1, name).Float(2, value).Int(20, 1));

    public static OnnxAttribute Ints(string name, params long[] values) => new(w => w.String(1, name).PackedInts(8, values).Int(20, 7));

    public static OnnxAttribute String(string name, string value) => new(w => w.String(1, name).String(4, value).Int(20, 3));
}
