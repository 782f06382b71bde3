using Microsoft.ML.Lrp.Ops;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph;

/// <summary>
/// The views of an explained token-id input that reach an embedding lookup unchanged: the ids re-typed by a Cast to
/// an integer type or re-arranged by Reshape, Flatten, Squeeze, Unsqueeze, Identity or Transpose. Each such node
/// moves every id to one position of its output, so relevance passes back through it like through any reshape or
/// transpose, and each token's relevance lands on the ids' own positions. Any other operation between the ids and an
/// embedding lookup that reaches the explained output is refused with the node it found.
/// </summary>
internal static class TokenIdsChain
{
    /// <summary>True for the operations a token id passes through unchanged (one id in, the same id out).</summary>
    public static bool IsLink(OnnxNode node)
    {
        if (node.Domain.Length != 0 || node.Inputs.Count == 0 || node.Inputs[0].Length == 0 || node.Outputs.Count != 1)
        {
            return false;
        }

        return node.OpType switch
        {
            "Cast" => IsIntegerType((OnnxElementType)node.GetInt("to", (long)OnnxElementType.Float)),
            "Reshape" or "Flatten" or "Squeeze" or "Unsqueeze" or "Identity" or "Transpose" => true,
            _ => false,
        };
    }

    /// <summary>
    /// The explained input and the values computed from it by links alone (just the input when it is not integer).
    /// Throws when an embedding lookup whose output reaches <paramref name="output"/> reads ids that went through
    /// any other operation.
    /// </summary>
    public static HashSet<string> Follow(OnnxGraph graph, string input, string output, IReadOnlySet<string> constants)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal) { input };
        var info = graph.Inputs.FirstOrDefault(i => i.Name == input);
        if (info is null || !IsIntegerType(info.ElementType))
        {
            return ids;
        }

        // Values derived from the ids, each with the first node on its path that is not a link (null: a pure view).
        var culprits = new Dictionary<string, OnnxNode?>(StringComparer.Ordinal) { [input] = null };
        var broken = new List<(OnnxNode Lookup, OnnxNode Culprit)>();
        foreach (var node in graph.Nodes)
        {
            if (node.OpType == "Gather" && node.Domain.Length == 0 && node.Inputs.Count == 2 && constants.Contains(node.Inputs[0])
                && node.GetInt("axis", 0) == 0 && culprits.TryGetValue(node.Inputs[1], out var culprit) && culprit is not null)
            {
                broken.Add((node, culprit));
            }

            var derived = node.Inputs.Where((name, i) => name.Length > 0 && OpRegistry.IsDataInput(node, i) && culprits.ContainsKey(name)).ToList();
            if (derived.Count == 0)
            {
                continue;
            }

            bool link = IsLink(node) && derived.Count == 1 && derived[0] == node.Inputs[0];
            if (!link && OpRegistry.ProducesSidePathOnly(node))
            {
                continue; // comparisons, shapes, casts to float...: masks and positions, not the ids themselves
            }

            var first = derived.Select(d => culprits[d]).FirstOrDefault(c => c is not null) ?? (link ? null : node);
            foreach (var o in node.Outputs.Where(o => o.Length > 0))
            {
                culprits[o] = first;
                if (first is null)
                {
                    ids.Add(o);
                }
            }
        }

        foreach (var (lookup, culprit) in broken)
        {
            if (Reaches(graph, lookup.Outputs[0], output))
            {
                throw new LrpException($"The token ids of the input '{input}' reach the embedding lookup '{lookup.Name}' through the node '{culprit.Name}' ({culprit.OpType}), which relevance cannot follow back to the tokens. Only Cast (to an integer type), Reshape, Flatten, Squeeze, Unsqueeze, Identity and Transpose may stand between the ids and the embedding Gather.");
            }
        }

        return ids;
    }

    private static bool IsIntegerType(OnnxElementType type) => type is OnnxElementType.Int64 or OnnxElementType.Int32
        or OnnxElementType.Int16 or OnnxElementType.Int8 or OnnxElementType.UInt64 or OnnxElementType.UInt32
        or OnnxElementType.UInt16 or OnnxElementType.UInt8;

    /// <summary>True when <paramref name="output"/> depends on <paramref name="from"/> through data operands.</summary>
    private static bool Reaches(OnnxGraph graph, string from, string output)
    {
        var dependent = new HashSet<string>(StringComparer.Ordinal) { from };
        foreach (var node in graph.Nodes)
        {
            if (OpRegistry.ProducesSidePathOnly(node) || !node.Inputs.Where((name, i) => name.Length > 0 && OpRegistry.IsDataInput(node, i)).Any(dependent.Contains))
            {
                continue;
            }

            dependent.UnionWith(node.Outputs.Where(o => o.Length > 0));
        }

        return dependent.Contains(output);
    }
}
