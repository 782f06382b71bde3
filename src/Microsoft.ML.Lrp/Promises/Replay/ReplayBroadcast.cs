using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>
/// Binary arithmetic with numpy broadcasting for replays, without index maps in the common transformer cases:
/// equal sizes, a scalar, an operand broadcast over leading axes (a bias [H] against [N,S,H]) and one broadcast over
/// trailing axes (a per-token statistic [N,S,1] against [N,S,H]).
/// </summary>
internal static class ReplayBroadcast
{
    /// <summary><c>y = a ∘ b</c> where <paramref name="a"/> already has the output's size and <paramref name="b"/> broadcasts to <paramref name="outShape"/>.</summary>
    public static void Combine(string op, ReadOnlySpan<float> a, Tensor b, Span<float> y, int[] outShape)
    {
        if (b.Length == y.Length)
        {
            Binary(op, a, b.Data, y);
            return;
        }

        if (b.Length == 1)
        {
            Scalar(op, a, b.Data[0], y);
            return;
        }

        var aligned = new int[outShape.Length];
        Array.Fill(aligned, 1);
        b.Shape.CopyTo(aligned, outShape.Length - b.Rank);
        if (IsSuffix(aligned, outShape))
        {
            int inner = b.Length;
            for (int start = 0; start < y.Length; start += inner)
            {
                Binary(op, a.Slice(start, inner), b.Data, y.Slice(start, inner));
            }

            return;
        }

        // Equal leading axes, then a suffix pattern (an additive mask [N,1,1,S] against scores [N,H,S,S]): per block.
        int lead = 0;
        while (lead < aligned.Length && aligned[lead] == outShape[lead] && aligned[lead] != 1)
        {
            lead++;
        }

        if (lead > 0 && lead < aligned.Length && IsSuffix(aligned[lead..], outShape[lead..]))
        {
            int blocks = outShape[..lead].Aggregate(1, (p, q) => p * q);
            int block = y.Length / blocks, bBlock = b.Length / blocks;
            for (int o = 0; o < blocks; o++)
            {
                var bSlice = b.Data.AsSpan(o * bBlock, bBlock);
                for (int start = o * block; start < (o + 1) * block; start += bBlock)
                {
                    Binary(op, a.Slice(start, bBlock), bSlice, y.Slice(start, bBlock));
                }
            }

            return;
        }

        if (IsPrefix(aligned, outShape))
        {
            int inner = y.Length / b.Length;
            for (int i = 0; i < b.Length; i++)
            {
                Scalar(op, a.Slice(i * inner, inner), b.Data[i], y.Slice(i * inner, inner));
            }

            return;
        }

        Binary(op, a, TensorShapes.BroadcastTo(b, outShape).Data, y);
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
