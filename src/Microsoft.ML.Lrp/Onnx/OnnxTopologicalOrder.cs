using Microsoft.ML.Lrp.Onnx.Proto;

namespace Microsoft.ML.Lrp.Onnx;

/// <summary>
/// Orders the nodes of a graph so that every node comes after the producers of its inputs. The sort is stable:
/// among the nodes that are ready, the one earliest in the file goes first, so a sorted file keeps its order.
/// </summary>
internal static class OnnxTopologicalOrder
{
    /// <summary>Returns the file positions of the nodes in execution order; a cycle raises <see cref="LrpException"/>.</summary>
    public static int[] Sort(IReadOnlyList<NodeProto> nodes, string source)
    {
        var producerOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
        {
            foreach (string output in nodes[i].Output)
            {
                if (output.Length > 0)
                {
                    producerOf.TryAdd(output, i);
                }
            }
        }

        var dependents = new List<int>[nodes.Count];
        var pending = new int[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            var producers = new HashSet<int>();
            foreach (string input in InputsOf(nodes[i]))
            {
                if (producerOf.TryGetValue(input, out int p))
                {
                    producers.Add(p);
                }
            }

            pending[i] = producers.Count;
            foreach (int p in producers)
            {
                (dependents[p] ??= []).Add(i);
            }
        }

        var ready = new PriorityQueue<int, int>();
        for (int i = 0; i < nodes.Count; i++)
        {
            if (pending[i] == 0)
            {
                ready.Enqueue(i, i);
            }
        }

        var order = new int[nodes.Count];
        int count = 0;
        while (ready.TryDequeue(out int i, out _))
        {
            order[count++] = i;
            foreach (int d in dependents[i] ?? [])
            {
                if (--pending[d] == 0)
                {
                    ready.Enqueue(d, d);
                }
            }
        }

        if (count < nodes.Count)
        {
            int stuck = Enumerable.Range(0, nodes.Count).First(i => pending[i] > 0);
            NodeProto node = nodes[stuck];
            string name = node.Name.Length > 0 ? node.Name : $"#{stuck}";
            throw new LrpException(
                $"The graph of {source} has a cycle: node '{name}' ({node.OpType}) depends, through its inputs [{string.Join(", ", node.Input)}], on its own outputs. {nodes.Count - count} nodes are part of or behind the cycle.");
        }

        return order;
    }

    /// <summary>The node's inputs plus the outer values that its subgraphs (If, Loop, Scan bodies) read.</summary>
    private static IEnumerable<string> InputsOf(NodeProto node)
    {
        foreach (string input in node.Input)
        {
            if (input.Length > 0)
            {
                yield return input;
            }
        }

        foreach (AttributeProto attribute in node.Attribute)
        {
            foreach (GraphProto graph in attribute.Graphs.Prepend(attribute.G))
            {
                if (graph is null)
                {
                    continue;
                }

                foreach (NodeProto inner in graph.Node)
                {
                    foreach (string input in InputsOf(inner))
                    {
                        yield return input;
                    }
                }
            }
        }
    }
}
