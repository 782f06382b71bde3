using Google.Protobuf;

namespace Microsoft.ML.Lrp.Coverage;

/// <summary>
/// The name and op type of every node of a model's main graph, read straight from the ONNX protobuf (ModelProto
/// field 7 graph, GraphProto field 1 node, NodeProto fields 3 name and 4 op_type), so that the benchmark can tell
/// which op a node of the relevance pass stands for: the library decomposes a composite op (LSTM, GRU, RNN, If,
/// Loop, ...) into primitive nodes named <c>{composite name}/{op}_node_{k}</c>.
/// </summary>
internal static class ModelNodes
{
    public static List<(string Name, string OpType)> Read(string path)
    {
        var nodes = new List<(string, string)>();
        var model = new CodedInputStream(File.ReadAllBytes(path));
        uint tag;
        while ((tag = model.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != 7 || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
            {
                model.SkipLastField();
                continue;
            }

            var graph = new CodedInputStream(model.ReadBytes().ToByteArray());
            while ((tag = graph.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == 1 && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                {
                    nodes.Add(Node(graph.ReadBytes()));
                }
                else
                {
                    graph.SkipLastField();
                }
            }
        }

        return nodes;
    }

    /// <summary>
    /// The op types that the relevance pass visited: a report node's own op type, and the op type of the model node
    /// it was decomposed from (its name starts with that node's name and a slash).
    /// </summary>
    public static HashSet<string> VisitedOpTypes(string modelPath, IEnumerable<LrpNodeConservation> visited)
    {
        var composites = Read(modelPath).Where(n => n.Name.Length > 0).ToList();
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in visited)
        {
            result.Add(node.OpType);
            foreach (var (name, opType) in composites)
            {
                if (node.NodeName.StartsWith(name + "/", StringComparison.Ordinal))
                {
                    result.Add(opType);
                }
            }
        }

        return result;
    }

    private static (string Name, string OpType) Node(ByteString bytes)
    {
        var input = new CodedInputStream(bytes.ToByteArray());
        string name = "", opType = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 3 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    name = input.ReadString();
                    break;
                case 4 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited:
                    opType = input.ReadString();
                    break;
                default:
                    input.SkipLastField();
                    break;
            }
        }

        return (name, opType);
    }
}
