using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// Emits the primitive ai.onnx nodes and constants that replace one fused node. Every emitted value and node is
/// named after the fused node ("{node}/{hint}_{k}"), unique in the graph; the last node of a decomposition writes
/// the fused node's own output names, so consumers, graph outputs and captures keep working unchanged. The
/// helpers pick the form of the model's default-domain opset (axes as attribute or input, for example).
/// </summary>
internal sealed class FusedGraphBuilder
{
    private readonly HashSet<string> _usedNames;
    private int _counter;

    public FusedGraphBuilder(OnnxGraph graph, OnnxNode fused, int opset, HashSet<string> usedNames, IReadOnlyDictionary<string, int>? learntRanks = null)
    {
        LearntRanks = learntRanks;
        Graph = graph;
        Fused = fused;
        Opset = opset;
        _usedNames = usedNames;
    }

    /// <summary>The graph the fused node belongs to (for the shapes of its constants and declared values).</summary>
    public OnnxGraph Graph { get; }

    /// <summary>The node being decomposed.</summary>
    public OnnxNode Fused { get; }

    /// <summary>The default-domain opset the emitted nodes must conform to.</summary>
    public int Opset { get; }

    /// <summary>The dims known before anything runs (the recurrent unrolling reads its sequence length there).</summary>
    public Recurrent.StaticShapes? Shapes { get; init; }

    /// <summary>The node being decomposed as stored in the file (control-flow ops read their subgraphs from it).</summary>
    public NodeProto? Proto { get; init; }

    public List<NodeProto> Nodes { get; } = [];

    public List<TensorProto> Initializers { get; } = [];

    /// <summary>Outputs of the fused node whose element type the decomposition changes (their declared types are dropped).</summary>
    public List<string> RetypedOutputs { get; } = [];

    /// <summary>Ranks of values learnt by running the model (null when it was not run).</summary>
    public IReadOnlyDictionary<string, int>? LearntRanks { get; }

    /// <summary>Input <paramref name="index"/> of the fused node, or "" when it is absent.</summary>
    public string Input(int index) => index < Fused.Inputs.Count ? Fused.Inputs[index] : "";

    /// <summary>Output <paramref name="index"/> of the fused node, or "" when it is not requested.</summary>
    public string Output(int index) => index < Fused.Outputs.Count ? Fused.Outputs[index] : "";

    /// <summary>Names read inside the graph's subgraphs (If branches, Loop and Scan bodies), which count as uses.</summary>
    public IReadOnlySet<string>? SubgraphReads { get; init; }

    /// <summary>True when output <paramref name="index"/> is named and read by a node, a subgraph or the graph.</summary>
    public bool OutputUsed(int index)
    {
        string name = Output(index);
        return name.Length > 0 && (Graph.Consumers(name).Count > 0 || Graph.IsGraphOutput(name) || SubgraphReads?.Contains(name) == true);
    }

    /// <summary>An <see cref="LrpException"/> naming the node, its op type and the offending attribute or input.</summary>
    public LrpException Unsupported(string what, string hint)
        => new($"Node '{Fused.Name}' ({Fused.Domain}.{Fused.OpType}): {what} is not supported by the decomposition into primitive ONNX operators. {hint}");

    /// <summary>A fresh value name.</summary>
    public string Fresh(string hint)
    {
        string name;
        do
        {
            name = $"{Fused.Name}/{hint}_{_counter++}";
        }
        while (!_usedNames.Add(name));
        return name;
    }

    /// <summary>Emits a one-output node and returns its output (a fresh name unless <paramref name="output"/> is given).</summary>
    public string Op(string opType, string[] inputs, string? output = null, params (string Name, object Value)[] attributes)
    {
        output ??= Fresh(opType);
        Emit(opType, inputs, [output], attributes);
        return output;
    }

    /// <summary>Emits a node with the given outputs.</summary>
    public void Emit(string opType, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Fresh(opType + "_node"), DocString = OnnxNode.DecomposedFromMark + (Fused.DecomposedFrom ?? Fused.OpType) };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var (name, value) in attributes)
        {
            node.Attribute.Add(Attribute(name, value));
        }

        Nodes.Add(node);
    }

    /// <summary>Emits a node carrying copies of <paramref name="attributes"/> (ints, floats, strings and their lists).</summary>
    public void EmitCopying(string opType, string[] inputs, string[] outputs, IEnumerable<OnnxAttribute> attributes)
    {
        Emit(opType, inputs, outputs);
        foreach (OnnxAttribute a in attributes)
        {
            var copy = new AttributeProto { Name = a.Name };
            switch (a.Kind)
            {
                case OnnxAttributeKind.Int:
                    copy.Type = AttributeProto.Types.AttributeType.Int;
                    copy.I = a.Int;
                    break;
                case OnnxAttributeKind.Ints:
                    copy.Type = AttributeProto.Types.AttributeType.Ints;
                    copy.Ints.AddRange(a.Ints);
                    break;
                case OnnxAttributeKind.Float:
                    copy.Type = AttributeProto.Types.AttributeType.Float;
                    copy.F = a.Float;
                    break;
                case OnnxAttributeKind.Floats:
                    copy.Type = AttributeProto.Types.AttributeType.Floats;
                    copy.Floats.AddRange(a.Floats);
                    break;
                case OnnxAttributeKind.String:
                    copy.Type = AttributeProto.Types.AttributeType.String;
                    copy.S = ByteString.CopyFromUtf8(a.String);
                    break;
                default:
                    throw Unsupported($"attribute {a.Name} of kind {a.Kind}", "Only int, float and string attributes (and their lists) can be carried over.");
            }

            Nodes[^1].Attribute.Add(copy);
        }
    }

    /// <summary>A float constant (an initializer) of the given shape; a scalar when <paramref name="dims"/> is empty.</summary>
    public string Floats(float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = Fresh("const"), DataType = (int)OnnxElementType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        Initializers.Add(tensor);
        return tensor.Name;
    }

    public string Scalar(float value) => Floats([value]);

    /// <summary>A 1-D int64 constant.</summary>
    public string Int64s(params long[] values)
    {
        var tensor = new TensorProto { Name = Fresh("const"), DataType = (int)OnnxElementType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        Initializers.Add(tensor);
        return tensor.Name;
    }

    /// <summary>An int64 scalar constant.</summary>
    public string Int64Scalar(long value)
    {
        var tensor = new TensorProto { Name = Fresh("const"), DataType = (int)OnnxElementType.Int64 };
        tensor.Int64Data.Add(value);
        Initializers.Add(tensor);
        return tensor.Name;
    }

    public string Add(string a, string b, string? output = null) => Op("Add", [a, b], output);

    public string Sub(string a, string b, string? output = null) => Op("Sub", [a, b], output);

    public string Mul(string a, string b, string? output = null) => Op("Mul", [a, b], output);

    public string Div(string a, string b, string? output = null) => Op("Div", [a, b], output);

    public string MatMul(string a, string b, string? output = null) => Op("MatMul", [a, b], output);

    public string Transpose(string x, long[] perm, string? output = null) => Op("Transpose", [x], output, ("perm", perm));

    public string Reshape(string x, long[] shape, string? output = null) => Op("Reshape", [x, Int64s(shape)], output);

    public string Cast(string x, OnnxElementType to, string? output = null) => Op("Cast", [x], output, ("to", (long)to));

    /// <summary>Slice along constant axes with constant bounds (opset 10+ form).</summary>
    public string Slice(string x, long[] starts, long[] ends, long[] axes, string? output = null)
        => Op("Slice", [x, Int64s(starts), Int64s(ends), Int64s(axes)], output);

    /// <summary>Slice with bounds given as 1-D int64 values.</summary>
    public string Slice(string x, string starts, string ends, long[] axes, string? output = null)
        => Op("Slice", [x, starts, ends, Int64s(axes)], output);

    public string Unsqueeze(string x, long[] axes, string? output = null)
        => Opset >= 13 ? Op("Unsqueeze", [x, Int64s(axes)], output) : Op("Unsqueeze", [x], output, ("axes", axes));

    public string ReduceMean(string x, long[] axes, bool keepDims, string? output = null)
        => Opset >= 18
            ? Op("ReduceMean", [x, Int64s(axes)], output, ("keepdims", keepDims ? 1L : 0L))
            : Op("ReduceMean", [x], output, ("axes", axes), ("keepdims", keepDims ? 1L : 0L));

    public string ReduceSum(string x, long[] axes, bool keepDims, string? output = null)
        => Opset >= 13
            ? Op("ReduceSum", [x, Int64s(axes)], output, ("keepdims", keepDims ? 1L : 0L))
            : Op("ReduceSum", [x], output, ("axes", axes), ("keepdims", keepDims ? 1L : 0L));

    /// <summary>Dims [<paramref name="start"/>, <paramref name="end"/>) of the shape of <paramref name="x"/>, as a 1-D int64 value.</summary>
    public string ShapeSlice(string x, long start, long end) => Slice(Op("Shape", [x]), [start], [end], [0]);

    /// <summary>The constant dims of an initializer, a Constant node's value or a declared value; null when unknown.</summary>
    public long?[]? StaticShape(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        if (Graph.Initializers.TryGetValue(value, out OnnxTensorData? init))
        {
            return [.. init.Dims.Select(d => (long?)d)];
        }

        if (Graph.Producer(value) is { OpType: "Constant" } constant && constant.GetTensor("value") is { } t)
        {
            return [.. t.Dims.Select(d => (long?)d)];
        }

        return Graph.ValueInfos.TryGetValue(value, out OnnxValueInfo? info) && info.Shape is { } shape
            ? [.. shape.Select(d => d.Value)]
            : null;
    }

    /// <summary>
    /// The rank of <paramref name="value"/> when known: declared, learnt from a run of the model, or propagated from
    /// the inputs by <see cref="Recurrent.StaticShapes"/> (a Reshape to a computed shape of known length).
    /// </summary>
    public int? Rank(string value)
        => StaticShape(value)?.Length
            ?? (LearntRanks is not null && LearntRanks.TryGetValue(value, out int r) ? r : (int?)null)
            ?? Shapes?.Of(value)?.Length;

    private static AttributeProto Attribute(string name, object value)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case long l:
                a.Type = AttributeProto.Types.AttributeType.Int;
                a.I = l;
                break;
            case long[] ls:
                a.Type = AttributeProto.Types.AttributeType.Ints;
                a.Ints.AddRange(ls);
                break;
            case float f:
                a.Type = AttributeProto.Types.AttributeType.Float;
                a.F = f;
                break;
            case string s:
                a.Type = AttributeProto.Types.AttributeType.String;
                a.S = ByteString.CopyFromUtf8(s);
                break;
            case TensorProto t:
                a.Type = AttributeProto.Types.AttributeType.Tensor;
                a.T = t;
                break;
            default:
                throw new ArgumentException($"Attribute '{name}' has an unsupported value type {value.GetType().Name}.", nameof(value));
        }

        return a;
    }
}
