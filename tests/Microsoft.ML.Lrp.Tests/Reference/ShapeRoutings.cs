using Microsoft.ML.Lrp.Onnx.Proto;
using static Microsoft.ML.Lrp.Tests.Reference.ReferenceGraph;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>The routing maps of Slice, Pad, Gather, Expand, Tile and the max pools.</summary>
internal static class ShapeRoutings
{
    /// <summary>Slice (inputs since opset 10, attributes before), negative and clamped starts/ends, steps.</summary>
    public static RoutingMap Slice(NodeProto node, IReadOnlyList<ReferenceTensor?> inputs, long opset)
    {
        var x = inputs[0]!;
        int rank = x.Shape.Length;
        long[] starts = opset >= 10 ? inputs[1]!.AsLongs() : Ints(node, "starts")!;
        long[] ends = opset >= 10 ? inputs[2]!.AsLongs() : Ints(node, "ends")!;
        long[] axes = (opset >= 10 ? (inputs.Count > 3 ? inputs[3]?.AsLongs() : null) : Ints(node, "axes"))
            ?? Enumerable.Range(0, starts.Length).Select(a => (long)a).ToArray();
        long[] steps = (opset >= 10 && inputs.Count > 4 ? inputs[4]?.AsLongs() : null) ?? Enumerable.Repeat(1L, starts.Length).ToArray();
        var first = new long[rank];
        var step = Enumerable.Repeat(1L, rank).ToArray();
        var outShape = (int[])x.Shape.Clone();
        for (int k = 0; k < axes.Length; k++)
        {
            int axis = RoutingMapBuilder.Axis(axes[k], rank);
            long dim = x.Shape[axis];
            long s = starts[k] < 0 ? starts[k] + dim : starts[k];
            long e = ends[k] < 0 ? ends[k] + dim : ends[k];
            long st = steps[k];
            long count;
            if (st > 0)
            {
                s = Math.Clamp(s, 0, dim);
                e = Math.Clamp(e, 0, dim);
                count = Math.Max(0, (e - s + st - 1) / st);
            }
            else
            {
                s = Math.Clamp(s, 0, dim - 1);
                e = Math.Clamp(e, -1, dim - 1);
                count = Math.Max(0, (s - e + (-st) - 1) / (-st));
            }

            first[axis] = s;
            step[axis] = st;
            outShape[axis] = (int)count;
        }

        int size = ReferenceTensor.SizeOf(outShape);
        var index = new int[size];
        for (int o = 0; o < size; o++)
        {
            var position = ReferenceTensor.Unravel(o, outShape);
            for (int d = 0; d < rank; d++)
            {
                position[d] = (int)(first[d] + (position[d] * step[d]));
            }

            index[o] = ReferenceTensor.Ravel(position, x.Shape);
        }

        return new RoutingMap(outShape, new int[size], index);
    }

    /// <summary>Pad in modes constant, reflect and edge (pads as input since opset 11, attribute before).</summary>
    public static RoutingMap Pad(NodeProto node, IReadOnlyList<ReferenceTensor?> inputs, long opset)
    {
        var x = inputs[0]!;
        int rank = x.Shape.Length;
        long[] raw = opset >= 11 ? inputs[1]!.AsLongs() : (Ints(node, "pads") ?? Ints(node, "paddings")!);
        double constant = opset >= 11 ? (inputs.Count > 2 && inputs[2] is { } v ? v.Data[0] : 0.0) : Float(node, "value", 0.0);
        var axes = (opset >= 18 && inputs.Count > 3 ? inputs[3]?.AsLongs() : null)?.Select(a => RoutingMapBuilder.Axis(a, rank)).ToArray()
            ?? Enumerable.Range(0, rank).ToArray();
        var begin = new int[rank];
        var end = new int[rank];
        for (int k = 0; k < axes.Length; k++)
        {
            begin[axes[k]] = (int)raw[k];
            end[axes[k]] = (int)raw[axes.Length + k];
        }

        string mode = String(node, "mode", "constant");
        var outShape = x.Shape.Select((d, i) => d + begin[i] + end[i]).ToArray();
        int size = ReferenceTensor.SizeOf(outShape);
        var operand = new int[size];
        var index = new int[size];
        for (int o = 0; o < size; o++)
        {
            var position = ReferenceTensor.Unravel(o, outShape);
            bool inside = true;
            for (int d = 0; d < rank; d++)
            {
                int p = position[d] - begin[d];
                int dim = x.Shape[d];
                if (p < 0 || p >= dim)
                {
                    p = mode switch
                    {
                        "reflect" => p < 0 ? -p : (2 * (dim - 1)) - p,
                        "edge" => Math.Clamp(p, 0, dim - 1),
                        _ => -1,
                    };
                    inside &= p >= 0;
                }

                position[d] = p;
            }

            operand[o] = inside ? 0 : -1;
            index[o] = inside ? ReferenceTensor.Ravel(position, x.Shape) : 0;
        }

        return new RoutingMap(outShape, operand, index, constant);
    }

    /// <summary>Gather of an activation with constant integer indices along an axis.</summary>
    public static RoutingMap Gather(int[] shape, ReferenceTensor indices, int axis)
    {
        var ids = indices.AsLongs();
        var outShape = shape.Take(axis).Concat(indices.Shape).Concat(shape.Skip(axis + 1)).ToArray();
        int size = ReferenceTensor.SizeOf(outShape);
        var index = new int[size];
        int indexRank = indices.Shape.Length;
        for (int o = 0; o < size; o++)
        {
            var position = ReferenceTensor.Unravel(o, outShape);
            var idPosition = position.Skip(axis).Take(indexRank).ToArray();
            long id = ids[ReferenceTensor.Ravel(idPosition, indices.Shape)];
            var source = position.Take(axis).Append((int)(id < 0 ? id + shape[axis] : id)).Concat(position.Skip(axis + indexRank)).ToArray();
            index[o] = ReferenceTensor.Ravel(source, shape);
        }

        return new RoutingMap(outShape, new int[size], index);
    }

    /// <summary>Expand: numpy broadcast to a shape.</summary>
    public static RoutingMap Expand(int[] shape, long[] target)
    {
        var outShape = ReferenceTensor.BroadcastShape(shape, target.Select(v => (int)v).ToArray());
        var index = ReferenceTensor.BroadcastMap(shape, outShape);
        return new RoutingMap(outShape, new int[index.Length], index);
    }

    /// <summary>Tile: repeats along each axis.</summary>
    public static RoutingMap Tile(int[] shape, long[] repeats)
    {
        var outShape = shape.Select((d, i) => d * (int)repeats[i]).ToArray();
        int size = ReferenceTensor.SizeOf(outShape);
        var index = new int[size];
        for (int o = 0; o < size; o++)
        {
            var position = ReferenceTensor.Unravel(o, outShape);
            index[o] = ReferenceTensor.Ravel(position.Select((p, i) => p % shape[i]).ToArray(), shape);
        }

        return new RoutingMap(outShape, new int[size], index);
    }

    /// <summary>MaxPool / GlobalMaxPool: each output copies the first maximum of its window (winner takes all).</summary>
    public static RoutingMap MaxPool(NodeProto node, ReferenceTensor x, bool global)
    {
        var spatial = x.Shape.Skip(2).ToArray();
        int spatialRank = spatial.Length;
        if (!global && Int(node, "ceil_mode", 0) != 0)
        {
            throw new NotSupportedException("The reference does not support ceil_mode = 1.");
        }

        var geometry = global
            ? new WindowGeometry(spatial, spatial, Enumerable.Repeat(1, spatialRank).ToArray(), Enumerable.Repeat(1, spatialRank).ToArray(), new int[spatialRank], new int[spatialRank])
            : WindowGeometry.FromNode(node, spatial, Ints(node, "kernel_shape")!.Select(v => (int)v).ToArray());
        var outShape = new[] { x.Shape[0], x.Shape[1] }.Concat(geometry.OutputSpatial).ToArray();
        int inPlane = ReferenceTensor.SizeOf(spatial);
        int outPlane = ReferenceTensor.SizeOf(geometry.OutputSpatial);
        int size = ReferenceTensor.SizeOf(outShape);
        var index = new int[size];
        for (int o = 0; o < size; o++)
        {
            int plane = o / outPlane;
            int best = -1;
            foreach (int ip in geometry.Window(ReferenceTensor.Unravel(o % outPlane, geometry.OutputSpatial)))
            {
                if (ip >= 0 && (best < 0 || x.Data[(plane * inPlane) + ip] > x.Data[best]))
                {
                    best = (plane * inPlane) + ip;
                }
            }

            index[o] = best;
        }

        return new RoutingMap(outShape, new int[size], index);
    }
}
