using Microsoft.ML.Lrp.Ops;
using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Promises;

/// <summary>
/// Side-path nodes a promise may replay: nodes off every relevance path whose output is a data input of a relevance
/// node (a GELU gate's Φ(x) = ½(1 + erf(x/√2)), an additive attention mask built from <c>attention_mask</c>, a
/// LayerNorm's √(var + ε)), followed upward through data inputs while each producer is replayable. Values that a
/// node reads as a parameter (shapes, axes, indices) are never followed: they stay captured, so integer shape
/// arithmetic is never replayed.
/// </summary>
internal static class SidePaths
{
    public static IReadOnlyList<LrpNode> Candidates(CanonicalGraph graph)
    {
        var producers = new Dictionary<string, OnnxNode>(StringComparer.Ordinal);
        var order = new Dictionary<OnnxNode, int>();
        for (int i = 0; i < graph.Onnx.Nodes.Count; i++)
        {
            var node = graph.Onnx.Nodes[i];
            order[node] = i;
            foreach (var o in node.Outputs.Where(o => o.Length > 0))
            {
                producers[o] = node;
            }
        }

        var fedByCaller = new HashSet<string>(graph.Onnx.Inputs.Select(i => i.Name), StringComparer.Ordinal);
        bool IsSide(string v) => v.Length > 0 && !graph.Constants.Contains(v) && !fedByCaller.Contains(v) && !graph.IsRelevance(v);
        var pending = new Stack<string>();
        foreach (var node in graph.RelevanceNodes)
        {
            for (int i = 0; i < node.Inputs.Count; i++)
            {
                if (IsSide(node.Inputs[i]) && OpRegistry.IsDataInput(node.Source, i))
                {
                    pending.Push(node.Inputs[i]);
                }
            }
        }

        var chosen = new Dictionary<OnnxNode, LrpNode>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var value = pending.Pop();
            if (!seen.Add(value) || !producers.TryGetValue(value, out var source) || source.Outputs[0] != value)
            {
                continue;
            }

            var candidate = new LrpNode(source, source.Outputs, null);
            if (!OpRegistry.CanReplay(candidate, graph))
            {
                continue;
            }

            chosen[source] = candidate;
            for (int i = 0; i < source.Inputs.Count; i++)
            {
                if (IsSide(source.Inputs[i]) && OpRegistry.IsDataInput(source, i))
                {
                    pending.Push(source.Inputs[i]);
                }
            }
        }

        return chosen.OrderBy(kv => order[kv.Key]).Select(kv => kv.Value).ToList();
    }
}
