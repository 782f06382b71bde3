using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises;

/// <summary>
/// The composed index map of a fast-forwarded chain: for every element of the chain head's output, the flat index
/// of the chain end's input element its relevance goes to (−1: none, the relevance is absorbed, as padding's is).
/// Pass links are the identity on flat indices; Route links are the data movement's own index map.
/// </summary>
internal static class FastForwardMap
{
    public static int[] Compose(IReadOnlyList<RelevanceStep> chain, Func<Graph.LrpNode, RuleContext> context, int batch)
    {
        var head = chain[0].Node;
        var first = context(head);
        var map = Enumerable.Range(0, Tensor.ShapeSize(first.Shape(head.Outputs[0]))).ToArray();
        foreach (var step in chain)
        {
            if (step.Rule is not RoutingRule)
            {
                continue;
            }

            var ctx = context(step.Node);
            var link = IndexMaps.SourceIndex(ctx, ctx.Shape(step.Node.Inputs[0]), ctx.Shape(step.Node.Outputs[0]));
            for (int i = 0; i < map.Length; i++)
            {
                map[i] = map[i] >= 0 ? link[map[i]] : -1;
            }
        }

        return map;
    }

    /// <summary>Moves <paramref name="r"/> along <paramref name="map"/> into a tensor of <paramref name="xShape"/>; unmapped relevance is absorbed.</summary>
    public static Tensor Apply(int[] map, Tensor r, int[] xShape, RuleContext ctx)
    {
        var rx = new Tensor(xShape);
        float[]? lost = null;
        for (int i = 0; i < map.Length; i++)
        {
            int src = map[i];
            if (src >= 0)
            {
                rx.Data[src] += r.Data[i];
            }
            else
            {
                lost ??= new float[map.Length];
                lost[i] = r.Data[i];
            }
        }

        if (lost is not null)
        {
            ctx.Absorb(lost);
        }

        return rx;
    }
}
