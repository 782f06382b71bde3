using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Tests.TestModels;

/// <summary>
/// A small fluent builder of ONNX models for tests: inputs with a symbolic batch dimension, float and int64
/// initializers, nodes with attributes, outputs. <see cref="Build"/> returns the serialised model bytes.
/// </summary>
internal sealed class OnnxModelBuilder
{
    private readonly GraphProto graph = new() { Name = "test" };
    private readonly SeededWeights weights;
    private long opset = 13;
    private int nodeCounter;
    private readonly SortedDictionary<string, long> extraDomains = new(StringComparer.Ordinal);

    /// <summary>Creates a builder whose <see cref="Random"/> weights come from <paramref name="seed"/>.</summary>
    public OnnxModelBuilder(int seed = 1) => weights = new SeededWeights(seed);

    /// <summary>The builder's seeded generator.</summary>
    public SeededWeights Weights => weights;

    /// <summary>Sets the default-domain opset (13 unless set).</summary>
    public OnnxModelBuilder Opset(long version)
    {
        opset = version;
        return this;
    }

    /// <summary>Adds a float input; a dimension given as a string (e.g. "N") is symbolic, an int is fixed.</summary>
    public OnnxModelBuilder Input(string name, params object[] dims)
    {
        graph.Input.Add(ValueInfo(name, TensorProto.Types.DataType.Float, dims));
        return this;
    }

    /// <summary>Adds an input of element type <paramref name="type"/> (for example Int64 token ids); dims as for <see cref="Input"/>.</summary>
    public OnnxModelBuilder TypedInput(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        graph.Input.Add(ValueInfo(name, type, dims));
        return this;
    }

    /// <summary>Adds a float output; dims as for <see cref="Input"/>, none for an unknown shape.</summary>
    public OnnxModelBuilder Output(string name, params object[] dims)
    {
        graph.Output.Add(ValueInfo(name, TensorProto.Types.DataType.Float, dims));
        return this;
    }

    /// <summary>Adds a float initializer.</summary>
    public OnnxModelBuilder Initializer(string name, float[] values, params long[] dims)
    {
        graph.Initializer.Add(FloatTensor(name, values, dims));
        return this;
    }

    /// <summary>Adds an int64 initializer.</summary>
    public OnnxModelBuilder Initializer(string name, long[] values, params long[] dims)
    {
        graph.Initializer.Add(Int64Tensor(name, values, dims));
        return this;
    }

    /// <summary>Adds an initializer given as a tensor (any element type, e.g. the int8/uint8/int32 tensors of quantized models).</summary>
    public OnnxModelBuilder Initializer(TensorProto tensor)
    {
        graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>Adds a float initializer of He-style random weights (fan-in = product of all dims but the first).</summary>
    public OnnxModelBuilder RandomWeight(string name, params long[] dims)
    {
        int count = (int)dims.Aggregate(1L, (a, b) => a * b);
        int fanIn = (int)Math.Max(1, count / dims[0]);
        return Initializer(name, weights.He(count, fanIn), dims);
    }

    /// <summary>Adds a float initializer of uniform random values in [low, high).</summary>
    public OnnxModelBuilder RandomUniform(string name, float low, float high, params long[] dims)
    {
        int count = (int)dims.Aggregate(1L, (a, b) => a * b);
        return Initializer(name, weights.Uniform(count, low, high), dims);
    }

    /// <summary>
    /// Adds a node. Attribute values: int/long → INT, int[]/long[] → INTS, float/double → FLOAT, float[] → FLOATS,
    /// string → STRING, <see cref="TensorProto"/> → TENSOR, <see cref="GraphProto"/> → GRAPH (see <see cref="Subgraph"/>). A null or empty name gets a generated one.
    /// </summary>
    public OnnxModelBuilder Node(string opType, string[] inputs, string[] outputs, string? name = null, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = string.IsNullOrEmpty(name) ? $"{opType}_{nodeCounter}" : name };
        nodeCounter++;
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach (var (attributeName, value) in attributes)
        {
            node.Attribute.Add(Attribute(attributeName, value));
        }

        graph.Node.Add(node);
        return this;
    }

    /// <summary>
    /// Adds a node of another operator domain (for example "com.microsoft") and imports that domain at
    /// <paramref name="version"/> (1 unless given) when the model is built.
    /// </summary>
    public OnnxModelBuilder DomainNode(string domain, string opType, string[] inputs, string[] outputs, string? name = null, params (string Name, object Value)[] attributes)
    {
        Node(opType, inputs, outputs, name, attributes);
        graph.Node[^1].Domain = domain;
        extraDomains.TryAdd(domain, 1);
        return this;
    }

    /// <summary>Adds a com.microsoft (ONNX Runtime contrib) node; the model then imports com.microsoft version 1.</summary>
    public OnnxModelBuilder MicrosoftNode(string opType, string[] inputs, string[] outputs, string? name = null, params (string Name, object Value)[] attributes)
        => DomainNode("com.microsoft", opType, inputs, outputs, name, attributes);

    /// <summary>Adds an output of any element type; dims as for <see cref="Input"/>.</summary>
    public OnnxModelBuilder TypedOutput(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        graph.Output.Add(ValueInfo(name, type, dims));
        return this;
    }

    /// <summary>Declares the type and shape of an intermediate value (a value_info entry).</summary>
    public OnnxModelBuilder DeclareValue(string name, TensorProto.Types.DataType type, params object[] dims)
    {
        graph.ValueInfo.Add(ValueInfo(name, type, dims));
        return this;
    }

    /// <summary>Adds a node of the <c>ai.onnx.ml</c> domain (and imports that domain, opset 3). Attributes as for <see cref="Node(string, string[], string[], string?, (string Name, object Value)[])"/>; string[] → STRINGS.</summary>
    public OnnxModelBuilder MlNode(string opType, string[] inputs, string[] outputs, string? name = null, params (string Name, object Value)[] attributes)
    {
        Node(opType, inputs, outputs, name, attributes);
        graph.Node[^1].Domain = "ai.onnx.ml";
        extraDomains["ai.onnx.ml"] = 3;
        return this;
    }

    /// <summary>Adds a single-input, single-output node.</summary>
    public OnnxModelBuilder Node(string opType, string input, string output, string? name = null, params (string Name, object Value)[] attributes)
        => Node(opType, [input], [output], name, attributes);

    /// <summary>
    /// The graph built so far, as a subgraph (an If branch, a Loop or Scan body) for a GRAPH attribute of another
    /// builder's node; its inputs and outputs are the body's formal parameters, names it reads but does not define are
    /// outer-scope references.
    /// </summary>
    public GraphProto Subgraph(string name)
    {
        var subgraph = graph.Clone();
        subgraph.Name = name;
        return subgraph;
    }

    /// <summary>The model bytes.</summary>
    public byte[] Build()
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = "Microsoft.ML.Lrp.Tests", Graph = graph.Clone() };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
        foreach (var (domain, version) in extraDomains)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        }

        return model.ToByteArray();
    }

    /// <summary>A float tensor (for initializers and TENSOR attributes).</summary>
    public static TensorProto FloatTensor(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        tensor.FloatData.AddRange(values);
        return tensor;
    }

    /// <summary>An int64 tensor (for initializers and TENSOR attributes).</summary>
    public static TensorProto Int64Tensor(string name, long[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
        return tensor;
    }

    private static AttributeProto Attribute(string name, object value)
    {
        var attribute = new AttributeProto { Name = name };
        switch (value)
        {
            case int i:
                attribute.Type = AttributeProto.Types.AttributeType.Int;
                attribute.I = i;
                break;
            case long l:
                attribute.Type = AttributeProto.Types.AttributeType.Int;
                attribute.I = l;
                break;
            case int[] ints:
                attribute.Type = AttributeProto.Types.AttributeType.Ints;
                attribute.Ints.AddRange(ints.Select(v => (long)v));
                break;
            case long[] longs:
                attribute.Type = AttributeProto.Types.AttributeType.Ints;
                attribute.Ints.AddRange(longs);
                break;
            case float f:
                attribute.Type = AttributeProto.Types.AttributeType.Float;
                attribute.F = f;
                break;
            case double d:
                attribute.Type = AttributeProto.Types.AttributeType.Float;
                attribute.F = (float)d;
                break;
            case float[] floats:
                attribute.Type = AttributeProto.Types.AttributeType.Floats;
                attribute.Floats.AddRange(floats);
                break;
            case string[] strings:
                attribute.Type = AttributeProto.Types.AttributeType.Strings;
                attribute.Strings.AddRange(strings.Select(ByteString.CopyFromUtf8));
                break;
            case string s:
                attribute.Type = AttributeProto.Types.AttributeType.String;
                attribute.S = ByteString.CopyFromUtf8(s);
                break;
            case TensorProto t:
                attribute.Type = AttributeProto.Types.AttributeType.Tensor;
                attribute.T = t;
                break;
            case GraphProto g:
                attribute.Type = AttributeProto.Types.AttributeType.Graph;
                attribute.G = g;
                break;
            default:
                throw new ArgumentException($"Attribute '{name}' has an unsupported value type {value.GetType().Name}.", nameof(value));
        }

        return attribute;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, object[] dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims.Length > 0)
        {
            tensorType.Shape = new TensorShapeProto();
            foreach (var dim in dims)
            {
                tensorType.Shape.Dim.Add(dim switch
                {
                    string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                    int size => new TensorShapeProto.Types.Dimension { DimValue = size },
                    long size => new TensorShapeProto.Types.Dimension { DimValue = size },
                    _ => throw new ArgumentException($"Dimension of '{name}' must be a string or an integer.", nameof(dims)),
                });
            }
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
