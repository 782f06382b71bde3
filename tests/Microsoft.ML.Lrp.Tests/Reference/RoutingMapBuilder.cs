using Microsoft.ML.Lrp.Onnx.Proto;
using static Microsoft.ML.Lrp.Tests.Reference.ReferenceGraph;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>Builds the <see cref="RoutingMap"/> of each data-movement op (attribute or input forms, by opset).</summary>
internal static class RoutingMapBuilder
{
    /// <summary>The op types this builder handles.</summary>
    public static readonly HashSet<string> OpTypes =
        ["Reshape", "Flatten", "Squeeze", "Unsqueeze", "Transpose", "Concat", "Split", "Slice", "Pad", "Gather", "Expand", "Tile", "MaxPool", "GlobalMaxPool"];

    /// <summary>The map producing output <paramref name="outputIndex"/> of <paramref name="node"/>.</summary>
    public static RoutingMap Build(NodeProto node, IReadOnlyList<ReferenceTensor?> inputs, long opset, int outputIndex)
    {
        var x = inputs[0]!;
        int rank = x.Shape.Length;
        switch (node.OpType)
        {
            case "Reshape":
                return RoutingMap.Identity(ReshapeTarget(x.Shape, inputs[1]!.AsLongs(), Int(node, "allowzero", 0) != 0));
            case "Flatten":
            {
                int axis = Axis(Int(node, "axis", 1), rank);
                int outer = ReferenceTensor.SizeOf(x.Shape.Take(axis).ToArray());
                return RoutingMap.Identity([outer, x.Size / outer]);
            }

            case "Squeeze":
            {
                var axes = AxesFrom(node, inputs, opset, 13, "axes")?.Select(a => Axis(a, rank)).ToHashSet()
                    ?? Enumerable.Range(0, rank).Where(d => x.Shape[d] == 1).ToHashSet();
                return RoutingMap.Identity(x.Shape.Where((_, d) => !axes.Contains(d)).ToArray());
            }

            case "Unsqueeze":
            {
                var raw = AxesFrom(node, inputs, opset, 13, "axes")!;
                int outRank = rank + raw.Length;
                var axes = raw.Select(a => Axis(a, outRank)).ToHashSet();
                var shape = new int[outRank];
                int source = 0;
                for (int d = 0; d < outRank; d++)
                {
                    shape[d] = axes.Contains(d) ? 1 : x.Shape[source++];
                }

                return RoutingMap.Identity(shape);
            }

            case "Transpose":
                return Transpose(x.Shape, Ints(node, "perm")?.Select(v => (int)v).ToArray() ?? Enumerable.Range(0, rank).Reverse().ToArray());
            case "Concat":
                return Concat(inputs.Select(t => t!.Shape).ToArray(), Axis(Int(node, "axis", 0), rank));
            case "Split":
                return Split(node, inputs, opset, outputIndex);
            case "Slice":
                return ShapeRoutings.Slice(node, inputs, opset);
            case "Pad":
                return ShapeRoutings.Pad(node, inputs, opset);
            case "Gather":
                return ShapeRoutings.Gather(x.Shape, inputs[1]!, Axis(Int(node, "axis", 0), rank));
            case "Expand":
                return ShapeRoutings.Expand(x.Shape, inputs[1]!.AsLongs());
            case "Tile":
                return ShapeRoutings.Tile(x.Shape, inputs[1]!.AsLongs());
            case "MaxPool":
            case "GlobalMaxPool":
                return ShapeRoutings.MaxPool(node, x, node.OpType == "GlobalMaxPool");
            default:
                throw new NotSupportedException($"No routing map for {Describe(node)}.");
        }
    }

    /// <summary>A negative axis counted from the end.</summary>
    public static int Axis(long axis, int rank) => (int)(axis < 0 ? axis + rank : axis);

    /// <summary>Axes from the input (opset ≥ <paramref name="inputSince"/>) or from the attribute; null when absent.</summary>
    public static long[]? AxesFrom(NodeProto node, IReadOnlyList<ReferenceTensor?> inputs, long opset, long inputSince, string attribute)
        => opset >= inputSince
            ? (inputs.Count > 1 && inputs[1] is { } t ? t.AsLongs() : null)
            : Ints(node, attribute);

    private static int[] ReshapeTarget(int[] shape, long[] target, bool allowZero)
    {
        var result = new int[target.Length];
        int known = 1;
        int inferred = -1;
        for (int d = 0; d < target.Length; d++)
        {
            if (target[d] == -1)
            {
                inferred = d;
                continue;
            }

            result[d] = target[d] == 0 && !allowZero ? shape[d] : (int)target[d];
            known *= result[d];
        }

        if (inferred >= 0)
        {
            result[inferred] = ReferenceTensor.SizeOf(shape) / known;
        }

        return result;
    }

    private static RoutingMap Transpose(int[] shape, int[] perm)
    {
        var outShape = perm.Select(p => shape[p]).ToArray();
        int size = ReferenceTensor.SizeOf(shape);
        var index = new int[size];
        for (int o = 0; o < size; o++)
        {
            var outIndex = ReferenceTensor.Unravel(o, outShape);
            var inIndex = new int[shape.Length];
            for (int k = 0; k < perm.Length; k++)
            {
                inIndex[perm[k]] = outIndex[k];
            }

            index[o] = ReferenceTensor.Ravel(inIndex, shape);
        }

        return new RoutingMap(outShape, new int[size], index);
    }

    private static RoutingMap Concat(int[][] shapes, int axis)
    {
        var outShape = (int[])shapes[0].Clone();
        outShape[axis] = shapes.Sum(s => s[axis]);
        int size = ReferenceTensor.SizeOf(outShape);
        var operand = new int[size];
        var index = new int[size];
        for (int o = 0; o < size; o++)
        {
            var position = ReferenceTensor.Unravel(o, outShape);
            int k = 0;
            while (position[axis] >= shapes[k][axis])
            {
                position[axis] -= shapes[k][axis];
                k++;
            }

            operand[o] = k;
            index[o] = ReferenceTensor.Ravel(position, shapes[k]);
        }

        return new RoutingMap(outShape, operand, index);
    }

    private static RoutingMap Split(NodeProto node, IReadOnlyList<ReferenceTensor?> inputs, long opset, int outputIndex)
    {
        var x = inputs[0]!;
        int axis = Axis(Int(node, "axis", 0), x.Shape.Length);
        long[]? sizes = AxesFrom(node, inputs, opset, 13, "split");
        if (sizes is null)
        {
            int parts = (int)Int(node, "num_outputs", node.Output.Count);
            int chunk = (x.Shape[axis] + parts - 1) / parts;
            sizes = Enumerable.Range(0, parts).Select(p => (long)Math.Min(chunk, x.Shape[axis] - (p * chunk))).ToArray();
        }

        int start = (int)sizes.Take(outputIndex).Sum();
        var outShape = (int[])x.Shape.Clone();
        outShape[axis] = (int)sizes[outputIndex];
        int size = ReferenceTensor.SizeOf(outShape);
        var index = new int[size];
        for (int o = 0; o < size; o++)
        {
            var position = ReferenceTensor.Unravel(o, outShape);
            position[axis] += start;
            index[o] = ReferenceTensor.Ravel(position, x.Shape);
        }

        return new RoutingMap(outShape, new int[size], index);
    }
}
