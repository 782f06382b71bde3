using Microsoft.ML.Lrp.Onnx.Proto;
using static Microsoft.ML.Lrp.Tests.Reference.ReferenceGraph;

namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// The reference's forward pass of the transformer ops: MatMul of two activations (numpy batching), ReduceMean, Pow,
/// Sqrt, Erf, Reciprocal, Neg, Trilu, LayerNormalization.
/// </summary>
internal static class ReferenceTransformerForward
{
    /// <summary>The node's output, or null when the op is not one of these (MatMul only with two activations).</summary>
    public static ReferenceTensor? TryEvaluate(NodeProto node, IReadOnlyList<ReferenceTensor?> inputs, ISet<string> activations)
    {
        var x = inputs.Count > 0 ? inputs[0] : null;
        switch (node.OpType)
        {
            case "MatMul" when node.Input.All(activations.Contains):
                return MatMul(x!, inputs[1]!);
            case "ReduceMean":
                return ReduceMean(node, x!);
            case "Pow":
                return Binary(x!, inputs[1]!, Math.Pow);
            case "Sqrt": return Map(x!, Math.Sqrt);
            case "Erf": return Map(x!, ReferenceErf.Erf);
            case "Reciprocal": return Map(x!, v => 1 / v);
            case "Neg": return Map(x!, v => -v);
            case "Trilu":
                return Trilu(node, x!, inputs.Count > 1 && inputs[1] is { } k ? (long)k.Data[0] : 0);
            case "LayerNormalization":
                return LayerNorm(node, x!, inputs[1]!, inputs.Count > 2 ? inputs[2] : null);
            default:
                return null;
        }
    }

    /// <summary>Numpy MatMul in double: the operand shapes promoted to matrices, batch dimensions broadcast.</summary>
    public static ReferenceTensor MatMul(ReferenceTensor a, ReferenceTensor b)
    {
        var (batch, m, k, n) = MatMulDims(a.Shape, b.Shape);
        var z = new double[ReferenceTensor.SizeOf(batch) * m * n];
        foreach (var (ia, ib, iz) in MatMulTerms(a.Shape, b.Shape))
        {
            z[iz] += a.Data[ia] * b.Data[ib];
        }

        int[] outShape = [.. batch, .. a.Shape.Length == 1 ? Array.Empty<int>() : [m], .. b.Shape.Length == 1 ? Array.Empty<int>() : [n]];
        return new ReferenceTensor(outShape, z);
    }

    /// <summary>Every product term of a MatMul: (flat index in A, flat index in B, flat index in the output).</summary>
    public static IEnumerable<(int A, int B, int Z)> MatMulTerms(int[] aShape, int[] bShape)
    {
        var (batch, m, k, n) = MatMulDims(aShape, bShape);
        int[] aBatch = aShape.Length <= 2 ? [] : aShape[..^2];
        int[] bBatch = bShape.Length <= 2 ? [] : bShape[..^2];
        var mapA = ReferenceTensor.BroadcastMap(aBatch, batch);
        var mapB = ReferenceTensor.BroadcastMap(bBatch, batch);
        for (int t = 0; t < mapA.Length; t++)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    for (int p = 0; p < k; p++)
                    {
                        yield return ((mapA[t] * m * k) + (i * k) + p, (mapB[t] * k * n) + (p * n) + j, (t * m * n) + (i * n) + j);
                    }
                }
            }
        }
    }

    private static (int[] Batch, int M, int K, int N) MatMulDims(int[] aShape, int[] bShape)
    {
        int[] a = aShape.Length == 1 ? [1, aShape[0]] : aShape;
        int[] b = bShape.Length == 1 ? [bShape[0], 1] : bShape;
        var batch = ReferenceTensor.BroadcastShape(a[..^2], b[..^2]);
        return (batch, a[^2], a[^1], b[^1]);
    }

    private static ReferenceTensor Map(ReferenceTensor x, Func<double, double> f) => new(x.Shape, x.Data.Select(f).ToArray());

    private static ReferenceTensor Binary(ReferenceTensor a, ReferenceTensor b, Func<double, double, double> f)
    {
        var shape = ReferenceTensor.BroadcastShape(a.Shape, b.Shape);
        var ma = ReferenceTensor.BroadcastMap(a.Shape, shape);
        var mb = ReferenceTensor.BroadcastMap(b.Shape, shape);
        return new ReferenceTensor(shape, Enumerable.Range(0, ma.Length).Select(i => f(a.Data[ma[i]], b.Data[mb[i]])).ToArray());
    }

    /// <summary>The reduced axes of a ReduceMean (attribute form, opset &lt; 18).</summary>
    public static HashSet<int> ReduceAxes(NodeProto node, int rank)
        => (Ints(node, "axes") ?? Enumerable.Range(0, rank).Select(a => (long)a).ToArray()).Select(a => (int)(a < 0 ? a + rank : a)).ToHashSet();

    private static ReferenceTensor ReduceMean(NodeProto node, ReferenceTensor x)
    {
        var axes = ReduceAxes(node, x.Shape.Length);
        bool keep = Int(node, "keepdims", 1) != 0;
        var kept = x.Shape.Select((d, a) => axes.Contains(a) ? 1 : d).ToArray();
        var sum = new double[ReferenceTensor.SizeOf(kept)];
        var map = ReferenceTensor.BroadcastMap(kept, x.Shape);
        for (int i = 0; i < x.Size; i++)
        {
            sum[map[i]] += x.Data[i];
        }

        int count = x.Size / sum.Length;
        var shape = keep ? kept : x.Shape.Where((_, a) => !axes.Contains(a)).ToArray();
        return new ReferenceTensor(shape, sum.Select(v => v / count).ToArray());
    }

    private static ReferenceTensor Trilu(NodeProto node, ReferenceTensor x, long k)
    {
        bool upper = Int(node, "upper", 1) != 0;
        int rows = x.Shape[^2], cols = x.Shape[^1];
        return new ReferenceTensor(x.Shape, x.Data.Select((v, i) =>
        {
            long d = (i % cols) - ((i / cols) % rows);
            return (upper ? d >= k : d <= k) ? v : 0;
        }).ToArray());
    }

    /// <summary>Mean, σ and the normalised group length of a LayerNormalization, per group.</summary>
    public static (double[] Mean, double[] Sigma, int Length) LayerNormStatistics(NodeProto node, ReferenceTensor x)
    {
        int axis = (int)Int(node, "axis", -1);
        axis = axis < 0 ? axis + x.Shape.Length : axis;
        int length = ReferenceTensor.SizeOf(x.Shape[axis..]);
        int groups = x.Size / length;
        double epsilon = Float(node, "epsilon", 1e-5);
        var mean = new double[groups];
        var sigma = new double[groups];
        for (int g = 0; g < groups; g++)
        {
            var slice = x.Data.Skip(g * length).Take(length).ToArray();
            mean[g] = slice.Average();
            sigma[g] = Math.Sqrt(slice.Select(v => (v - mean[g]) * (v - mean[g])).Average() + epsilon);
        }

        return (mean, sigma, length);
    }

    private static ReferenceTensor LayerNorm(NodeProto node, ReferenceTensor x, ReferenceTensor scale, ReferenceTensor? bias)
    {
        var (mean, sigma, length) = LayerNormStatistics(node, x);
        return new ReferenceTensor(x.Shape, x.Data.Select((v, i) =>
            (scale.Data[i % length] * (v - mean[i / length]) / sigma[i / length]) + (bias is null ? 0 : bias.Data[i % length])).ToArray());
    }
}
