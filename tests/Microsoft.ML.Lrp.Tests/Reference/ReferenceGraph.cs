using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// The reference's own reading of an ONNX model: nodes in file order (ONNX requires topological order),
/// initializers as <see cref="ReferenceTensor"/>s, graph inputs and outputs, and the default-domain opset.
/// </summary>
internal sealed class ReferenceGraph
{
    private ReferenceGraph(ModelProto model)
    {
        var graph = model.Graph;
        Opset = model.OpsetImport.Where(o => string.IsNullOrEmpty(o.Domain) || o.Domain == "ai.onnx").Select(o => o.Version).DefaultIfEmpty(1).Max();
        Nodes = graph.Node.ToList();
        foreach (var tensor in graph.Initializer)
        {
            Initializers[tensor.Name] = ReadTensor(tensor);
        }

        Inputs = graph.Input.Select(i => i.Name).Where(n => !Initializers.ContainsKey(n)).ToList();
        Outputs = graph.Output.Select(o => o.Name).ToList();
    }

    /// <summary>The default-domain opset version.</summary>
    public long Opset { get; }

    /// <summary>The nodes in file order.</summary>
    public IReadOnlyList<NodeProto> Nodes { get; }

    /// <summary>The initializers by name.</summary>
    public Dictionary<string, ReferenceTensor> Initializers { get; } = [];

    /// <summary>The graph inputs that are not initializers.</summary>
    public IReadOnlyList<string> Inputs { get; }

    /// <summary>The graph outputs.</summary>
    public IReadOnlyList<string> Outputs { get; }

    /// <summary>Parses model bytes.</summary>
    public static ReferenceGraph Parse(byte[] modelBytes) => new(ModelProto.Parser.ParseFrom(modelBytes));

    /// <summary>Reads a float, double, int32 or int64 tensor (typed fields or raw little-endian data).</summary>
    public static ReferenceTensor ReadTensor(TensorProto tensor)
    {
        var shape = tensor.Dims.Select(d => (int)d).ToArray();
        int size = ReferenceTensor.SizeOf(shape);
        var raw = tensor.HasRawData ? tensor.RawData.ToByteArray() : null;
        switch ((TensorProto.Types.DataType)tensor.DataType)
        {
            case TensorProto.Types.DataType.Float:
                return new ReferenceTensor(shape, raw is null
                    ? tensor.FloatData.Select(v => (double)v).ToArray()
                    : Enumerable.Range(0, size).Select(i => (double)BitConverter.ToSingle(raw, 4 * i)).ToArray());
            case TensorProto.Types.DataType.Double:
                return new ReferenceTensor(shape, raw is null
                    ? tensor.DoubleData.ToArray()
                    : Enumerable.Range(0, size).Select(i => BitConverter.ToDouble(raw, 8 * i)).ToArray());
            case TensorProto.Types.DataType.Int64:
                return new ReferenceTensor(shape, raw is null
                    ? tensor.Int64Data.ToArray()
                    : Enumerable.Range(0, size).Select(i => BitConverter.ToInt64(raw, 8 * i)).ToArray());
            case TensorProto.Types.DataType.Int32:
                return new ReferenceTensor(shape, raw is null
                    ? tensor.Int32Data.Select(v => (long)v).ToArray()
                    : Enumerable.Range(0, size).Select(i => (long)BitConverter.ToInt32(raw, 4 * i)).ToArray());
            default:
                throw new NotSupportedException($"The reference cannot read tensor '{tensor.Name}' of data type {tensor.DataType}.");
        }
    }

    /// <summary>An attribute by name, or null.</summary>
    public static AttributeProto? Attribute(NodeProto node, string name) => node.Attribute.FirstOrDefault(a => a.Name == name);

    /// <summary>An INT attribute or a default.</summary>
    public static long Int(NodeProto node, string name, long fallback) => Attribute(node, name)?.I ?? fallback;

    /// <summary>A FLOAT attribute or a default.</summary>
    public static double Float(NodeProto node, string name, double fallback) => Attribute(node, name) is { } a ? a.F : fallback;

    /// <summary>An INTS attribute or null.</summary>
    public static long[]? Ints(NodeProto node, string name) => Attribute(node, name)?.Ints.ToArray();

    /// <summary>A STRING attribute or a default.</summary>
    public static string String(NodeProto node, string name, string fallback) => Attribute(node, name) is { } a ? a.S.ToStringUtf8() : fallback;

    /// <summary>A human-readable name for messages.</summary>
    public static string Describe(NodeProto node) => $"{node.OpType} node '{node.Name}'";
}
