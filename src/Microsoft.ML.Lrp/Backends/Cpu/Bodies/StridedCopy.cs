using System.Runtime.CompilerServices;
namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// Copies through an affine view (the rules' <c>StridedView</c>: Transpose, Slice, Expand): rows of the innermost
/// axis as contiguous copies, fills or strided loops, rows split over the cores when the tensor is large.
/// </summary>
internal static class StridedCopy
{
    private const int ParallelElements = 1 << 15;

    /// <summary>
    /// <c>y[i] = source[offset + Σ iₐ · strideₐ]</c> for every element i of <paramref name="shape"/>, or with
    /// <paramref name="scatter"/> the reverse assignment (an injective view).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int offset, int[] shape, int[] strides, float[] source, float[] y, bool scatter)
    {
        int length = 1;
        foreach (int d in shape)
        {
            length *= d;
        }

        Run(offset, shape, strides, length, source, y, scatter);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run(int offset, int[] shape, int[] strides, int length, float[] source, float[] y, bool scatter)
    {
        if (length == 0)
        {
            return;
        }

        int inner = shape[^1];
        int rows = length / inner;
        if (length < ParallelElements || rows == 1)
        {
            Rows(offset, shape, strides, source, y, 0, rows, scatter);
            return;
        }

        int rowsPerItem = Math.Max(1, (ParallelElements / 2) / inner);
        int items = (rows + rowsPerItem - 1) / rowsPerItem;
        Parallel.For(0, items, CpuParallel.Options, item => Rows(offset, shape, strides, source, y, item * rowsPerItem, Math.Min(rows, (item + 1) * rowsPerItem), scatter));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows(int offset, int[] shape, int[] strides, float[] source, float[] y, int first, int end, bool scatter)
    {
        int outer = shape.Length - 1;
        int inner = shape[^1];
        int step = strides[^1];
        Span<int> index = stackalloc int[Math.Max(1, outer)];
        int rest = first, src = offset;
        for (int a = outer - 1; a >= 0; a--)
        {
            index[a] = rest % shape[a];
            rest /= shape[a];
            src += index[a] * strides[a];
        }

        for (int row = first; row < end; row++)
        {
            var dst = y.AsSpan(row * inner, inner);
            if (step == 1)
            {
                if (scatter)
                {
                    dst.CopyTo(source.AsSpan(src, inner));
                }
                else
                {
                    source.AsSpan(src, inner).CopyTo(dst);
                }
            }
            else if (step == 0)
            {
                dst.Fill(source[src]);
            }
            else if (scatter)
            {
                for (int j = 0, k = src; j < inner; j++, k += step)
                {
                    source[k] = dst[j];
                }
            }
            else
            {
                for (int j = 0, k = src; j < inner; j++, k += step)
                {
                    dst[j] = source[k];
                }
            }

            for (int a = outer - 1; a >= 0; a--)
            {
                src += strides[a];
                if (++index[a] < shape[a])
                {
                    break;
                }

                src -= strides[a] * shape[a];
                index[a] = 0;
            }
        }
    }
}
