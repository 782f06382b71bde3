using System.Runtime.CompilerServices;
using Microsoft.ML.Lrp.Backends.Bodies;
using Microsoft.ML.Lrp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// Binary arithmetic with numpy broadcasting for replays, without index maps in the common transformer cases:
/// equal sizes, a scalar, an operand broadcast over leading axes (a bias [H] against [N,S,H]) and one broadcast over
/// trailing axes (a per-token statistic [N,S,1] against [N,S,H]); anything else is expanded first.
/// </summary>
internal static class BroadcastArithmeticKernel
{
    private const int ParallelElements = 1 << 18;
    private const int ItemElements = 1 << 14;

    /// <summary><c>y = a ∘ b</c> where <paramref name="a"/> already has the output's size and b (<paramref name="bShape"/>) broadcasts to <paramref name="outShape"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(ArithmeticOp op, float[] a, float[] bData, int[] bShape, float[] y, int[] outShape)
    {
        int bLength = bData.Length;
        if (bLength == y.Length)
        {
            ForUnits((y.Length + ItemElements - 1) / ItemElements, ItemElements, u =>
            {
                int start = u * ItemElements, length = Math.Min(ItemElements, y.Length - start);
                Binary(op, a.AsSpan(start, length), bData.AsSpan(start, length), y.AsSpan(start, length));
            });
            return;
        }

        if (bLength == 1)
        {
            float scalar = bData[0];
            ForUnits((y.Length + ItemElements - 1) / ItemElements, ItemElements, u =>
            {
                int start = u * ItemElements, length = Math.Min(ItemElements, y.Length - start);
                Scalar(op, a.AsSpan(start, length), scalar, y.AsSpan(start, length));
            });
            return;
        }

        var aligned = Aligned(bShape, outShape.Length);
        if (IsSuffix(aligned, outShape) && bLength >= 8)
        {
            // A bias [H] against [N, S, H]: b repeats every row.
            int inner = bLength;
            ForUnits(y.Length / inner, inner, u => Binary(op, a.AsSpan(u * inner, inner), bData, y.AsSpan(u * inner, inner)));
            return;
        }

        if (IsPrefix(aligned, outShape) && y.Length / bLength >= 8)
        {
            // A per-token statistic [N, S, 1] against [N, S, H]: one scalar per row.
            int inner = y.Length / bLength;
            ForUnits(bLength, inner, i => Scalar(op, a.AsSpan(i * inner, inner), bData[i], y.AsSpan(i * inner, inner)));
            return;
        }

        // Equal leading axes, then a suffix pattern (an additive mask [N,1,1,S] against scores [N,H,S,S]): per block.
        int lead = 0;
        while (lead < aligned.Length && aligned[lead] == outShape[lead] && aligned[lead] != 1)
        {
            lead++;
        }

        if (lead > 0 && lead < aligned.Length && IsSuffix(aligned[lead..], outShape[lead..]) && bLength / Tensor.ShapeSize(outShape[..lead]) >= 16)
        {
            int blocks = Tensor.ShapeSize(outShape[..lead]);
            int block = y.Length / blocks, bBlock = bLength / blocks, perBlock = block / bBlock;
            ForUnits(y.Length / bBlock, bBlock, u => Binary(op, a.AsSpan(u * bBlock, bBlock), bData.AsSpan(u / perBlock * bBlock, bBlock), y.AsSpan(u * bBlock, bBlock)));
            return;
        }

        Run(op, a, Broadcast(bData, bShape, outShape), outShape, y, outShape);
    }

    /// <summary>b expanded to <paramref name="outShape"/> (numpy rules) as a new array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float[] Broadcast(float[] b, int[] bShape, int[] outShape)
    {
        var aligned = Aligned(bShape, outShape.Length);
        var strides = new int[aligned.Length];
        for (int d = aligned.Length - 1, stride = 1; d >= 0; d--)
        {
            strides[d] = aligned[d] == 1 ? 0 : stride;
            stride *= aligned[d];
        }

        int size = 1;
        foreach (int d in outShape)
        {
            size *= d;
        }

        var y = new float[size];
        StridedCopy.Run(0, outShape, strides, b, y, scatter: false);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Binary(ArithmeticOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
    {
        switch (op)
        {
            case ArithmeticOp.Sub:
                TensorPrimitives.Subtract(a, b, y);
                break;
            case ArithmeticOp.Mul:
                TensorPrimitives.Multiply(a, b, y);
                break;
            case ArithmeticOp.Div:
                TensorPrimitives.Divide(a, b, y);
                break;
            default:
                TensorPrimitives.Add(a, b, y);
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Scalar(ArithmeticOp op, ReadOnlySpan<float> a, float b, Span<float> y)
    {
        switch (op)
        {
            case ArithmeticOp.Sub:
                TensorPrimitives.Subtract(a, b, y);
                break;
            case ArithmeticOp.Mul:
                TensorPrimitives.Multiply(a, b, y);
                break;
            case ArithmeticOp.Div:
                TensorPrimitives.Divide(a, b, y);
                break;
            default:
                TensorPrimitives.Add(a, b, y);
                break;
        }
    }
}
