using Microsoft.ML.Lrp.Graph.Fused;
using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Graph.Recurrent;

/// <summary>
/// Copies the nodes of a control-flow subgraph (an If branch, a Loop or Scan body) into the enclosing graph, once per
/// use: the subgraph's formal inputs are bound to given values, its initializers and node outputs get fresh names, and
/// every other name a node reads is an outer-scope reference, which stays as it is (the enclosing graph's value).
/// </summary>
internal static class SubgraphInliner
{
    /// <summary>Inlines <paramref name="body"/> with its inputs bound to <paramref name="inputs"/> (in order); returns its outputs' new names.</summary>
    public static string[] Inline(FusedGraphBuilder b, GraphProto body, IReadOnlyList<string> inputs)
    {
        if (inputs.Count != body.Input.Count)
        {
            throw b.Unsupported($"a subgraph with {body.Input.Count} inputs bound to {inputs.Count} values", "The subgraph's inputs must match the node's operands.");
        }

        var rename = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < inputs.Count; i++)
        {
            rename[body.Input[i].Name] = inputs[i];
        }

        foreach (TensorProto initializer in body.Initializer)
        {
            var copy = initializer.Clone();
            copy.Name = b.Fresh("body_const");
            rename[initializer.Name] = copy.Name;
            b.Initializers.Add(copy);
        }

        foreach (NodeProto node in body.Node)
        {
            if (node.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0))
            {
                throw b.Unsupported($"a nested subgraph (node '{node.Name}', {node.OpType})", "Control flow inside a branch or body is not unrolled; flatten the model first.");
            }

            var copy = node.Clone();
            copy.Name = b.Fresh(node.OpType + "_node");
            copy.Input.Clear();
            copy.Input.AddRange(node.Input.Select(i => i.Length > 0 && rename.TryGetValue(i, out string? n) ? n : i));
            copy.Output.Clear();
            foreach (string output in node.Output)
            {
                if (output.Length == 0)
                {
                    copy.Output.Add("");
                    continue;
                }

                string fresh = b.Fresh(output);
                rename[output] = fresh;
                copy.Output.Add(fresh);
            }

            b.Nodes.Add(copy);
        }

        return [.. body.Output.Select(o => rename.TryGetValue(o.Name, out string? n) ? n : o.Name)];
    }

    /// <summary>The graph attribute <paramref name="name"/> of the node being rewritten.</summary>
    public static GraphProto Body(FusedGraphBuilder b, string name)
        => b.Proto?.Attribute.FirstOrDefault(a => a.Name == name)?.G
           ?? throw b.Unsupported($"a missing graph attribute '{name}'", "The node must carry its subgraph.");

    /// <summary>The declared dims of a subgraph value (null entries unknown), or null.</summary>
    public static long?[]? DeclaredShape(ValueInfoProto value)
        => value.Type?.TensorType?.Shape is { } shape
            ? [.. shape.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : (long?)null)]
            : null;
}
