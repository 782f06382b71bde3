using Microsoft.ML.Lrp.Tensors;
using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Rules.Interpolation;

/// <summary>
/// The map of a Resize or Upsample node: per axis the taps of <see cref="AxisTaps"/>, composed over the axes from the
/// first resized one (their tensor product; the leading axes are planes that share it). Cached per node, shapes and
/// parameter values, so a plan is built once per batch size.
/// </summary>
internal static class ResizeMaps
{
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<LrpNode, Dictionary<string, InterpolationPlan>> Cache = new();

    public static InterpolationPlan Plan(RuleContext ctx, int[] xShape, int[] yShape)
    {
        var node = ctx.Node;
        var a = ResizeAttributes.Of(node);
        var (scales, roiStart, roiEnd) = a.Parameters(node, ctx, xShape);
        string key = string.Join(",", xShape) + "|" + string.Join(",", yShape) + "|" + string.Join(",", scales) + "|" + string.Join(",", roiStart) + "|" + string.Join(",", roiEnd);
        var plans = Cache.GetValue(node, _ => []);
        lock (plans)
        {
            if (!plans.TryGetValue(key, out var plan))
            {
                plan = Build(a, xShape, yShape, scales, roiStart, roiEnd);
                plans[key] = plan;
            }

            return plan;
        }
    }

    public static InterpolationPlan Build(ResizeAttributes a, int[] xShape, int[] yShape, float[] scales, float[] roiStart, float[] roiEnd)
    {
        int rank = xShape.Length;
        int xLength = xShape.Aggregate(1, (p, d) => p * d), yLength = yShape.Aggregate(1, (p, d) => p * d);
        bool selection = a.Mode == "nearest";
        var taps = new (int Index, float Weight)[rank][][];
        int first = rank;
        bool same = xShape.SequenceEqual(yShape);
        for (int axis = 0; axis < rank; axis++)
        {
            // ONNX Runtime copies the input when no dimension changes, whatever the scales.
            taps[axis] = same
                ? Enumerable.Range(0, xShape[axis]).Select(i => new[] { (i, 1f) }).ToArray()
                : AxisTaps.Of(a, xShape[axis], yShape[axis], scales[axis], roiStart[axis], roiEnd[axis]);
            bool identity = xShape[axis] == yShape[axis] && taps[axis].Select((t, i) => t is [(var j, 1f)] && j == i).All(b => b);
            if (!identity && first == rank)
            {
                first = axis;
            }
        }

        if (first == rank)
        {
            first = rank - 1;
        }

        int planes = xShape[..first].Aggregate(1, (p, d) => p * d);
        int[] inner = xShape[first..], outInner = yShape[first..];
        int columns = inner.Aggregate(1, (p, d) => p * d), rows = outInner.Aggregate(1, (p, d) => p * d);
        var strides = TensorShapes.Strides(inner);
        var builder = new SparseMapBuilder(columns);
        var constantRow = new float[rows];
        bool anyConstant = false;
        var index = new int[outInner.Length];
        for (int r = 0; r < rows; r++)
        {
            var rowTaps = new (int, float)[outInner.Length][];
            bool empty = false;
            for (int k = 0; k < outInner.Length; k++)
            {
                rowTaps[k] = taps[first + k][index[k]];
                empty |= rowTaps[k].Length == 0;
            }

            if (empty)
            {
                constantRow[r] = a.ExtrapolationValue;
                anyConstant |= a.ExtrapolationValue != 0f;
            }
            else
            {
                AddProduct(builder, rowTaps, strides, 0, 0, 1f);
            }

            builder.EndRow();
            TensorShapes.Increment(index, outInner);
        }

        float[]? constant = null;
        if (anyConstant)
        {
            constant = new float[yLength];
            for (int p = 0; p < planes; p++)
            {
                constantRow.CopyTo(constant, p * rows);
            }
        }

        return new InterpolationPlan([new InterpolationBlock(builder.Build(), 0, 0, planes)], xLength, yLength, constant, selection);
    }

    private static void AddProduct(SparseMapBuilder builder, (int Index, float Weight)[][] taps, int[] strides, int axis, int offset, float weight)
    {
        if (axis == taps.Length)
        {
            builder.Add(offset, weight);
            return;
        }

        foreach (var (i, w) in taps[axis])
        {
            AddProduct(builder, taps, strides, axis + 1, offset + (i * strides[axis]), weight * w);
        }
    }
}
