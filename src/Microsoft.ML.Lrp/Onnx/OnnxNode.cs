namespace Microsoft.ML.Lrp.Onnx;

/// <summary>One operation of the graph, with its attributes read once at load.</summary>
internal sealed class OnnxNode
{
    public OnnxNode(
        string name,
        string opType,
        string domain,
        int index,
        IReadOnlyList<string> inputs,
        IReadOnlyList<string> outputs,
        IReadOnlyDictionary<string, OnnxAttribute> attributes,
        string? decomposedFrom = null)
    {
        DecomposedFrom = decomposedFrom;
        Name = name;
        OpType = opType;
        Domain = domain;
        Index = index;
        Inputs = inputs;
        Outputs = outputs;
        Attributes = attributes;
    }

    /// <summary>The node's name in the file, or "{OpType}_{Index}" when the file gives none; unique in the graph.</summary>
    public string Name { get; }

    public string OpType { get; }

    /// <summary>The operator domain; "" for the default ai.onnx domain.</summary>
    public string Domain { get; }

    /// <summary>The position in <see cref="OnnxGraph.Nodes"/> (topological order).</summary>
    public int Index { get; }

    /// <summary>Input value names; "" marks an omitted optional input.</summary>
    public IReadOnlyList<string> Inputs { get; }

    public IReadOnlyList<string> Outputs { get; }

    public IReadOnlyDictionary<string, OnnxAttribute> Attributes { get; }

    /// <summary>The op type of the fused or quantized node this node was written for by the decomposition into primitive ops (Graph/Fused); null for a node of the file.</summary>
    public string? DecomposedFrom { get; }

    /// <summary>The doc string by which the decomposition marks the nodes it writes: this prefix, then the original op type.</summary>
    public const string DecomposedFromMark = "lrp:decomposed-from:";

    public bool HasAttribute(string name) => Attributes.ContainsKey(name);

    public long GetInt(string name, long defaultValue)
        => Get(name, OnnxAttributeKind.Int) is { } a ? a.Int : defaultValue;

    /// <summary>The ints of a list attribute, or null when the node does not have it.</summary>
    public long[]? GetInts(string name)
        => Get(name, OnnxAttributeKind.Ints)?.Ints;

    /// <summary>The float attribute; an int attribute of that name is accepted and converted.</summary>
    public float GetFloat(string name, float defaultValue)
    {
        if (Attributes.TryGetValue(name, out OnnxAttribute? a) && a.Kind == OnnxAttributeKind.Int)
        {
            return a.Int;
        }

        return Get(name, OnnxAttributeKind.Float) is { } f ? f.Float : defaultValue;
    }

    public string GetString(string name, string defaultValue)
        => Get(name, OnnxAttributeKind.String) is { } a ? a.String : defaultValue;

    public OnnxTensorData? GetTensor(string name)
        => Get(name, OnnxAttributeKind.Tensor)?.Tensor;

    public override string ToString()
        => $"{Name} ({(Domain.Length > 0 ? Domain + "." : "")}{OpType}): [{string.Join(", ", Inputs)}] -> [{string.Join(", ", Outputs)}]";

    private OnnxAttribute? Get(string name, OnnxAttributeKind kind)
    {
        if (!Attributes.TryGetValue(name, out OnnxAttribute? a))
        {
            return null;
        }

        return a.Kind == kind
            ? a
            : throw new LrpException($"Node '{Name}' ({OpType}) has attribute '{name}' of kind {a.Kind}, but {kind} was expected.");
    }
}
