using Microsoft.ML.Lrp.Backends.Cpu;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>
/// Binary arithmetic with numpy broadcasting for replays, without index maps in the common transformer cases:
/// equal sizes, a scalar, an operand broadcast over leading axes (a bias [H] against [N,S,H]) and one broadcast over
/// trailing axes (a per-token statistic [N,S,1] against [N,S,H]).
/// </summary>
internal static class ReplayBroadcast
{
    private const int ParallelElements = 1 << 18;
    private const int ItemElements = 1 << 14;

    /// <summary><c>y = a ∘ b</c> where <paramref name="a"/> already has the output's size and <paramref name="b"/> broadcasts to <paramref name="outShape"/>.</summary>
    public static void Combine(string op, float[] a, Tensor b, float[] y, int[] outShape)
    {
        var bData = b.Data;
        if (b.Length == y.Length)
        {
            ForUnits((y.Length + ItemElements - 1) / ItemElements, ItemElements, u =>
            {
                int start = u * ItemElements, length = Math.Min(ItemElements, y.Length - start);
                Binary(op, a.AsSpan(start, length), bData.AsSpan(start, length), y.AsSpan(start, length));
            });
            return;
        }

        if (b.Length == 1)
        {
            float scalar = bData[0];
            ForUnits((y.Length + ItemElements - 1) / ItemElements, ItemElements, u =>
            {
                int start = u * ItemElements, length = Math.Min(ItemElements, y.Length - start);
                Scalar(op, a.AsSpan(start, length), scalar, y.AsSpan(start, length));
            });
            return;
        }

        var aligned = Aligned(b.Shape, outShape.Length);
        if (IsSuffix(aligned, outShape) && b.Length >= 8)
        {
            // A bias [H] against [N, S, H]: b repeats every row.
            int inner = b.Length;
            ForUnits(y.Length / inner, inner, u => Binary(op, a.AsSpan(u * inner, inner), bData, y.AsSpan(u * inner, inner)));
            return;
        }

        if (IsPrefix(aligned, outShape) && y.Length / b.Length >= 8)
        {
            // A per-token statistic [N, S, 1] against [N, S, H]: one scalar per row.
            int inner = y.Length / b.Length;
            ForUnits(b.Length, inner, i => Scalar(op, a.AsSpan(i * inner, inner), bData[i], y.AsSpan(i * inner, inner)));
            return;
        }

        // Equal leading axes, then a suffix pattern (an additive mask [N,1,1,S] against scores [N,H,S,S]): per block.
        int lead = 0;
        while (lead < aligned.Length && aligned[lead] == outShape[lead] && aligned[lead] != 1)
        {
            lead++;
        }

        if (lead > 0 && lead < aligned.Length && IsSuffix(aligned[lead..], outShape[lead..]) && b.Length / Tensor.ShapeSize(outShape[..lead]) >= 16)
        {
            int blocks = Tensor.ShapeSize(outShape[..lead]);
            int block = y.Length / blocks, bBlock = b.Length / blocks, perBlock = block / bBlock;
            ForUnits(y.Length / bBlock, bBlock, u => Binary(op, a.AsSpan(u * bBlock, bBlock), bData.AsSpan(u / perBlock * bBlock, bBlock), y.AsSpan(u * bBlock, bBlock)));
            return;
        }

        Combine(op, a, new Tensor(outShape, Broadcast(b, outShape)), y, outShape);
    }

    /// <summary><paramref name="t"/> expanded to <paramref name="outShape"/> (numpy rules) as a new array, without an index map.</summary>
    public static float[] Broadcast(Tensor t, int[] outShape)
    {
        var aligned = Aligned(t.Shape, outShape.Length);
        var strides = TensorShapes.Strides(aligned);
        for (int d = 0; d < aligned.Length; d++)
        {
            if (aligned[d] == 1)
            {
                strides[d] = 0;
            }
        }

        var y = TensorArena.Allocate(Tensor.ShapeSize(outShape), clear: false);
        StridedView.Create(0, outShape, strides).Gather(t.Data, y);
        return y;
    }

    /// <summary>Runs <paramref name="body"/> for units <c>0 … units−1</c> of <paramref name="unitLength"/> elements each, split over the cores when the total is large.</summary>
    private static void ForUnits(int units, int unitLength, Action<int> body)
    {
        if ((long)units * unitLength < ParallelElements || units == 1)
        {
            for (int u = 0; u < units; u++)
            {
                body(u);
            }

            return;
        }

        int perItem = Math.Max(1, ItemElements / Math.Max(1, unitLength));
        Parallel.For(0, (units + perItem - 1) / perItem, CpuParallel.Options, item =>
        {
            int end = Math.Min(units, (item + 1) * perItem);
            for (int u = item * perItem; u < end; u++)
            {
                body(u);
            }
        });
    }

    private static int[] Aligned(int[] shape, int rank)
    {
        var aligned = new int[rank];
        Array.Fill(aligned, 1);
        shape.CopyTo(aligned, rank - shape.Length);
        return aligned;
    }

    private static bool IsSuffix(int[] aligned, int[] outShape)
    {
        int k = 0;
        while (k < aligned.Length && aligned[k] == 1)
        {
            k++;
        }

        return aligned.AsSpan(k).SequenceEqual(outShape.AsSpan(k));
    }

    private static bool IsPrefix(int[] aligned, int[] outShape)
    {
        int k = aligned.Length;
        while (k > 0 && aligned[k - 1] == 1)
        {
            k--;
        }

        return aligned.AsSpan(0, k).SequenceEqual(outShape.AsSpan(0, k));
    }

    private static void Binary(string op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        switch (op)
        {
            case "Sub":
                TensorPrimitives.Subtract(a, b, y);
                break;
            case "Mul":
                TensorPrimitives.Multiply(a, b, y);
                break;
            case "Div":
                TensorPrimitives.Divide(a, b, y);
                break;
            default:
                TensorPrimitives.Add(a, b, y);
                break;
        }
    }

    private static void Scalar(string op, ReadOnlySpan<float> a, float b, Span<float> y)
    {
        switch (op)
        {
            case "Sub":
                TensorPrimitives.Subtract(a, b, y);
                break;
            case "Mul":
                TensorPrimitives.Multiply(a, b, y);
                break;
            case "Div":
                TensorPrimitives.Divide(a, b, y);
                break;
            default:
                TensorPrimitives.Add(a, b, y);
                break;
        }
    }
}
