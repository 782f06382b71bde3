using Microsoft.ML.Lrp.Onnx.Proto;
using static Microsoft.ML.Lrp.Tests.Reference.ReferenceGraph;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>Writes Gemm, MatMul and average pools out as <see cref="LinearMap"/>s (convolutions: <see cref="ConvolutionMapBuilder"/>).</summary>
internal static class LinearMapBuilder
{
    /// <summary>
    /// Gemm <c>alpha·A'·B' + beta·C</c> with one operand the activation and the other (and C) constant.
    /// </summary>
    public static LinearMap Gemm(NodeProto node, ReferenceTensor a, ReferenceTensor b, ReferenceTensor? c, bool activationIsA)
    {
        bool transA = Int(node, "transA", 0) != 0;
        bool transB = Int(node, "transB", 0) != 0;
        double alpha = Float(node, "alpha", 1.0);
        double beta = Float(node, "beta", 1.0);
        int m = transA ? a.Shape[1] : a.Shape[0];
        int k = transA ? a.Shape[0] : a.Shape[1];
        int n = transB ? b.Shape[0] : b.Shape[1];
        var map = new LinearMap(activationIsA ? a.Size : b.Size, [m, n]);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                int o = (i * n) + j;
                for (int p = 0; p < k; p++)
                {
                    int aIndex = transA ? (p * m) + i : (i * k) + p;
                    int bIndex = transB ? (j * k) + p : (p * n) + j;
                    if (activationIsA)
                    {
                        map.Connect(o, aIndex, alpha * b.Data[bIndex]);
                    }
                    else
                    {
                        map.Connect(o, bIndex, alpha * a.Data[aIndex]);
                    }
                }
            }
        }

        if (c is not null)
        {
            var cMap = ReferenceTensor.BroadcastMap(c.Shape, [m, n]);
            for (int o = 0; o < cMap.Length; o++)
            {
                map.Bias[o] = beta * c.Data[cMap[o]];
            }
        }

        return map;
    }

    /// <summary>MatMul of an activation with a constant 2-D matrix on the right (<c>x·W</c>) or on the left (<c>W·x</c>).</summary>
    public static LinearMap MatMul(ReferenceTensor x, ReferenceTensor w, bool constantOnRight)
    {
        if (w.Shape.Length != 2 || x.Shape.Length < 2)
        {
            throw new NotSupportedException("The reference supports MatMul of an activation (rank ≥ 2) with a constant 2-D matrix.");
        }

        int rank = x.Shape.Length;
        int rows = x.Shape[rank - 2];
        int cols = x.Shape[rank - 1];
        int batch = x.Size / (rows * cols);
        var outShape = (int[])x.Shape.Clone();
        if (constantOnRight)
        {
            outShape[rank - 1] = w.Shape[1];
        }
        else
        {
            outShape[rank - 2] = w.Shape[0];
        }

        var map = new LinearMap(x.Size, outShape);
        int outRows = outShape[rank - 2];
        int outCols = outShape[rank - 1];
        for (int bIndex = 0; bIndex < batch; bIndex++)
        {
            for (int i = 0; i < outRows; i++)
            {
                for (int j = 0; j < outCols; j++)
                {
                    int o = (bIndex * outRows * outCols) + (i * outCols) + j;
                    if (constantOnRight)
                    {
                        for (int p = 0; p < cols; p++)
                        {
                            map.Connect(o, (bIndex * rows * cols) + (i * cols) + p, w.Data[(p * outCols) + j]);
                        }
                    }
                    else
                    {
                        for (int p = 0; p < rows; p++)
                        {
                            map.Connect(o, (bIndex * rows * cols) + (p * cols) + j, w.Data[(i * rows) + p]);
                        }
                    }
                }
            }
        }

        return map;
    }

    /// <summary>AveragePool (N-d, strides, pads, auto_pad, count_include_pad; ceil_mode = 0) or GlobalAveragePool.</summary>
    public static LinearMap AveragePool(NodeProto node, ReferenceTensor x, bool global)
    {
        int spatialRank = x.Shape.Length - 2;
        var spatial = x.Shape.Skip(2).ToArray();
        var kernel = global ? spatial : Ints(node, "kernel_shape")!.Select(v => (int)v).ToArray();
        if (!global && Int(node, "ceil_mode", 0) != 0)
        {
            throw new NotSupportedException("The reference does not support ceil_mode = 1.");
        }

        var geometry = global
            ? new WindowGeometry(spatial, kernel, Enumerable.Repeat(1, spatialRank).ToArray(), Enumerable.Repeat(1, spatialRank).ToArray(), new int[spatialRank], new int[spatialRank])
            : WindowGeometry.FromNode(node, spatial, kernel);
        bool includePad = Int(node, "count_include_pad", 0) != 0;
        var outShape = new[] { x.Shape[0], x.Shape[1] }.Concat(geometry.OutputSpatial).ToArray();
        var map = new LinearMap(x.Size, outShape);
        int channels = x.Shape[0] * x.Shape[1];
        int inPlane = ReferenceTensor.SizeOf(spatial);
        int outPlane = ReferenceTensor.SizeOf(geometry.OutputSpatial);
        for (int plane = 0; plane < channels; plane++)
        {
            for (int op = 0; op < outPlane; op++)
            {
                var window = geometry.Window(ReferenceTensor.Unravel(op, geometry.OutputSpatial)).ToList();
                int valid = window.Count(w => w >= 0);
                double divisor = includePad ? window.Count : valid;
                foreach (int ip in window.Where(w => w >= 0))
                {
                    map.Connect((plane * outPlane) + op, (plane * inPlane) + ip, 1.0 / divisor);
                }
            }
        }

        return map;
    }
}
