using System.Runtime.CompilerServices;
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
        int size = Tensor.ShapeSize(xShape);
        var kind = Kinds.GetValue(map, m => Classify(m, size));
        switch (kind)
        {
            case MapKind.Identity:
                // Pure Pass chains: the relevance tensor is handed on as it is (as the Pass rule does).
                return r.Reshape(xShape);
            case MapKind.Bijective:
            {
                var moved = new Tensor(xShape, TensorArena.Allocate(size, clear: false));
                ctx.Backend.Permute(map, r.Data, moved.Data);
                return moved;
            }
        }

        var rx = new Tensor(xShape);
        var lost = ctx.Backend.ScatterAddByMap(map, r.Data, rx.Data);

        if (lost is not null)
        {
            ctx.Absorb(lost);
        }

        return rx;
    }

    private static readonly ConditionalWeakTable<int[], object> Kinds = [];

    private enum MapKind
    {
        Identity,
        Bijective,
        General,
    }

    private static object Classify(int[] map, int size)
    {
        if (map.Length != size)
        {
            return MapKind.General;
        }

        bool identity = true;
        var seen = new bool[size];
        for (int i = 0; i < map.Length; i++)
        {
            int src = map[i];
            if (src < 0 || seen[src])
            {
                return MapKind.General;
            }

            seen[src] = true;
            identity &= src == i;
        }

        return identity ? MapKind.Identity : MapKind.Bijective;
    }
}
