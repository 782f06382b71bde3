using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>Data-movement replay kernels: the routing ops as strided views or through their index maps, and Concat.</summary>
internal static class ReplayMovement
{
    /// <summary>Transpose, Slice, Pad, Gather, Expand, Tile: <c>y[i] = x[map[i]]</c>, or the pad value where the map has no source.</summary>
    public static Tensor Route(ReplayInputs inputs, int[] outShape)
    {
        var x = inputs.Input(0);
        if (inputs.Node.OpType == "Gather" && GatherRows(inputs, x, outShape) is { } rows)
        {
            return rows;
        }

        var view = IndexMaps.Strided(inputs.AsRuleContext(), x.Shape, outShape);
        if (view is not null)
        {
            var gathered = new Tensor(outShape, TensorArena.Allocate(Tensor.ShapeSize(outShape), clear: false));
            view.Gather(inputs.Backend, x.Data, gathered.Data);
            return gathered;
        }

        var map = inputs.IndexMap(() => IndexMaps.SourceIndex(inputs.AsRuleContext(), x.Shape, outShape));
        float padValue = PadValue(inputs);
        var y = new Tensor(outShape);
        inputs.Backend.GatherByMap(map, x.Data, padValue, y.Data);
        return y;
    }

    /// <summary>
    /// Gather as whole rows: <c>y[o, j, :] = x[o, indices[j], :]</c> with rows of the axes after the gathered one,
    /// one row list (per call: the indices are data, token ids) instead of a source index per element. Null when an
    /// index is out of range (the element map reports it).
    /// </summary>
    private static Tensor? GatherRows(ReplayInputs inputs, Tensor x, int[] outShape)
    {
        int axis = (int)inputs.Node.Source.GetInt("axis", 0);
        if (axis < 0)
        {
            axis += x.Rank;
        }

        long[] indices = inputs.Int64s(inputs.Node.Inputs[1]);
        int outer = x.Shape[..axis].Aggregate(1, (a, b) => a * b), extent = x.Shape[axis];
        int inner = x.Shape[(axis + 1)..].Aggregate(1, (a, b) => a * b);
        if ((long)outer * indices.Length * inner != Tensor.ShapeSize(outShape))
        {
            return null;
        }

        var rows = new int[outer * indices.Length];
        for (int j = 0; j < indices.Length; j++)
        {
            long g = indices[j] < 0 ? indices[j] + extent : indices[j];
            if (g < 0 || g >= extent)
            {
                return null;
            }

            for (int o = 0; o < outer; o++)
            {
                rows[(o * indices.Length) + j] = (o * extent) + (int)g;
            }
        }

        var y = new Tensor(outShape, TensorArena.Allocate(Tensor.ShapeSize(outShape), clear: false));
        if (rows.Length > 0 && inner > 0)
        {
            inputs.Backend.GatherRows(rows, inner, x.Data, y.Data);
        }

        return y;
    }

    public static Tensor Concat(ReplayInputs inputs, int[] outShape)
    {
        int axis = (int)inputs.Node.Source.GetInt("axis", 0);
        if (axis < 0)
        {
            axis += outShape.Length;
        }

        int outer = outShape[..axis].Aggregate(1, (a, b) => a * b);
        int outInner = outShape[axis..].Aggregate(1, (a, b) => a * b);
        var y = new Tensor(outShape);
        int offset = 0;
        foreach (var name in inputs.Node.Inputs.Where(n => n.Length > 0))
        {
            var x = inputs.Value(name);
            int inner = x.Shape[axis..].Aggregate(1, (a, b) => a * b);
            // y[o, offset + i] = x[o, i]: one strided scatter (on the device with a device backend).
            inputs.Backend.StridedCopy(offset, [outer, inner], [outInner, 1], y.Data, x.Data, scatter: true);

            offset += inner;
        }

        return y;
    }

    private static float PadValue(ReplayInputs inputs)
    {
        var node = inputs.Node.Source;
        if (node.OpType != "Pad")
        {
            return 0f;
        }

        if (node.HasAttribute("value"))
        {
            return node.GetFloat("value", 0f);
        }

        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
        {
            var value = inputs.Input(2).Data;
            inputs.Backend.ToHost(value);
            return value[0];
        }

        return 0f;
    }
}
