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
            case StridedPermutation view:
            {
                // A permutation that is an affine view (a Transpose, with Reshapes around it): contiguous runs
                // are copied whole, and no index is read per element.
                var moved = new Tensor(xShape, TensorArena.Allocate(size, clear: false));
                ctx.Backend.StridedCopy(view.Offset, view.Shape, view.Strides, moved.Data, r.Data, scatter: true);
                return moved;
            }

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
            TensorArena.Release(lost);
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

        return identity ? MapKind.Identity : (object?)StridedPermutation.TryCreate(map) ?? MapKind.Bijective;
    }

    /// <summary><c>map[i] = Offset + Σₐ iₐ · Strides[a]</c> over the elements i of <see cref="Shape"/> (row-major).</summary>
    internal sealed record StridedPermutation(int Offset, int[] Shape, int[] Strides)
    {
        private const int MaxRank = 8;

        /// <summary>The view that <paramref name="map"/> is, or null: axes are read off innermost first and the whole map is then checked.</summary>
        public static StridedPermutation? TryCreate(int[] map)
        {
            int n = map.Length, block = 1;
            if (n < 2)
            {
                return null;
            }

            var sizes = new List<int>();
            var strides = new List<int>();
            while (block < n)
            {
                int stride = map[block] - map[0];
                int size = 1;
                while ((long)(size + 1) * block <= n && map[(size * block)] == map[0] + (size * stride))
                {
                    size++;
                }

                if (n % (block * size) != 0 || sizes.Count == MaxRank)
                {
                    return null;
                }

                sizes.Add(size);
                strides.Add(stride);
                block *= size;
            }

            sizes.Reverse();
            strides.Reverse();
            var view = new StridedPermutation(map[0], [.. sizes], [.. strides]);
            return view.Matches(map) ? view : null;
        }

        private bool Matches(int[] map)
        {
            var index = new int[Shape.Length];
            int at = Offset;
            for (int i = 0; i < map.Length; i++)
            {
                if (map[i] != at)
                {
                    return false;
                }

                for (int a = Shape.Length - 1; a >= 0; a--)
                {
                    at += Strides[a];
                    if (++index[a] < Shape[a])
                    {
                        break;
                    }

                    at -= Strides[a] * Shape[a];
                    index[a] = 0;
                }
            }

            return true;
        }
    }
}
