using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Onnx;

/// <summary>
/// A read-only view of the main graph: nodes in topological order, constants, declared values, and the producer
/// and consumers of every value.
/// </summary>
internal sealed class OnnxGraph
{
    private static readonly IReadOnlyList<OnnxNode> NoNodes = [];

    private readonly Dictionary<string, OnnxNode> _producers;
    private readonly Dictionary<string, List<OnnxNode>> _consumers;
    private readonly HashSet<string> _outputNames;

    private OnnxGraph(
        OnnxNode[] nodes,
        Dictionary<string, OnnxTensorData> initializers,
        OnnxValueInfo[] inputs,
        OnnxValueInfo[] outputs,
        Dictionary<string, OnnxValueInfo> valueInfos)
    {
        Nodes = nodes;
        Initializers = initializers;
        Inputs = inputs;
        Outputs = outputs;
        ValueInfos = valueInfos;
        _outputNames = [.. outputs.Select(o => o.Name)];
        _producers = new(StringComparer.Ordinal);
        _consumers = new(StringComparer.Ordinal);
        foreach (OnnxNode node in nodes)
        {
            foreach (string output in node.Outputs)
            {
                if (output.Length > 0)
                {
                    _producers.TryAdd(output, node);
                }
            }

            foreach (string input in node.Inputs.Distinct())
            {
                if (input.Length > 0)
                {
                    if (!_consumers.TryGetValue(input, out List<OnnxNode>? list))
                    {
                        _consumers[input] = list = [];
                    }

                    list.Add(node);
                }
            }
        }
    }

    /// <summary>The nodes in topological order (the file's order where it already is one).</summary>
    public IReadOnlyList<OnnxNode> Nodes { get; }

    /// <summary>The graph's initializers by name (Constant nodes are not included).</summary>
    public IReadOnlyDictionary<string, OnnxTensorData> Initializers { get; }

    /// <summary>The graph inputs that the caller feeds (those that are not initializers).</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }

    public IReadOnlyList<OnnxValueInfo> Outputs { get; }

    /// <summary>Declared values by name: value_info entries, all graph inputs and the graph outputs.</summary>
    public IReadOnlyDictionary<string, OnnxValueInfo> ValueInfos { get; }

    /// <summary>The node that computes <paramref name="valueName"/>, or null for inputs, initializers and unknown names.</summary>
    public OnnxNode? Producer(string valueName) => _producers.GetValueOrDefault(valueName);

    /// <summary>The nodes that read <paramref name="valueName"/>, in topological order, each once.</summary>
    public IReadOnlyList<OnnxNode> Consumers(string valueName)
        => _consumers.TryGetValue(valueName, out List<OnnxNode>? list) ? list : NoNodes;

    public bool IsGraphOutput(string valueName) => _outputNames.Contains(valueName);

    /// <summary>Builds the view; <paramref name="source"/> names the model in error messages.</summary>
    public static OnnxGraph FromProto(GraphProto proto, string? externalDataDirectory, string source)
    {
        var initializers = new Dictionary<string, OnnxTensorData>(StringComparer.Ordinal);
        foreach (TensorProto tensor in proto.Initializer)
        {
            if (initializers.ContainsKey(tensor.Name))
            {
                throw new LrpException($"The ONNX model {source} defines the initializer '{tensor.Name}' twice; initializer names must be unique.");
            }

            initializers[tensor.Name] = OnnxTensorData.FromProto(tensor, externalDataDirectory);
        }

        int[] order = OnnxTopologicalOrder.Sort(proto.Node, source);
        var fileNames = new HashSet<string>(proto.Node.Select(n => n.Name).Where(n => n.Length > 0), StringComparer.Ordinal);
        var usedNames = new HashSet<string>(StringComparer.Ordinal);
        var nodes = new OnnxNode[order.Length];
        for (int k = 0; k < order.Length; k++)
        {
            NodeProto node = proto.Node[order[k]];
            string name = UniqueName(node, k, fileNames, usedNames);
            try
            {
                var attributes = new Dictionary<string, OnnxAttribute>(StringComparer.Ordinal);
                foreach (AttributeProto attribute in node.Attribute)
                {
                    attributes[attribute.Name] = OnnxAttribute.FromProto(attribute, externalDataDirectory);
                }

                string domain = node.Domain == "ai.onnx" ? "" : node.Domain;
                string? decomposedFrom = node.DocString.StartsWith(OnnxNode.DecomposedFromMark, StringComparison.Ordinal) ? node.DocString[OnnxNode.DecomposedFromMark.Length..] : null;
                nodes[k] = new OnnxNode(name, node.OpType, domain, k, [.. node.Input], [.. node.Output], attributes, decomposedFrom);
            }
            catch (LrpException e)
            {
                throw new LrpException($"Node '{name}' ({node.OpType}) of {source}: {e.Message}", e);
            }
        }

        OnnxValueInfo[] inputs = [.. proto.Input.Where(i => !initializers.ContainsKey(i.Name)).Select(OnnxValueInfo.FromProto)];
        OnnxValueInfo[] outputs = [.. proto.Output.Select(OnnxValueInfo.FromProto)];
        var valueInfos = new Dictionary<string, OnnxValueInfo>(StringComparer.Ordinal);
        foreach (ValueInfoProto info in proto.ValueInfo.Concat(proto.Input).Concat(proto.Output))
        {
            valueInfos[info.Name] = OnnxValueInfo.FromProto(info);
        }

        return new OnnxGraph(nodes, initializers, inputs, outputs, valueInfos);
    }

    private static string UniqueName(NodeProto node, int index, HashSet<string> fileNames, HashSet<string> usedNames)
    {
        string name = node.Name.Length > 0 ? node.Name : $"{node.OpType}_{index}";
        bool generated = node.Name.Length == 0;
        if (usedNames.Contains(name) || (generated && fileNames.Contains(name)))
        {
            string stem = $"{name}_{index}";
            name = stem;
            for (int i = 2; usedNames.Contains(name) || fileNames.Contains(name); i++)
            {
                name = $"{stem}_{i}";
            }
        }

        usedNames.Add(name);
        return name;
    }
}
