using System.Runtime.CompilerServices;
namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// <see cref="IRelevanceBackend.SparseLinear"/> on the CPU: each output element is a gather over its CSR row (the
/// transposed product uses the map's precomputed transpose, so no two workers write one element). Rows are split
/// over the cores in blocks when the product is large. The inner loop is a scalar gather: rows are short (2 to 16
/// entries for interpolation) and their columns scattered, so SIMD lanes would need a gather per entry.
/// </summary>
internal static class SparseKernels
{
    private const int ParallelWork = 1 << 15;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(SparseMap map, bool transpose, ReadOnlySpan<float> x, Span<float> y)
    {
        var a = transpose ? map.Transposed : map;
        int columns = a.Columns, rows = a.Rows;
        if (columns == 0)
        {
            int planesOut = rows == 0 ? 0 : y.Length / rows;
            if (rows * planesOut != y.Length)
            {
                throw new ArgumentException($"Sparse map of {rows} rows cannot fill {y.Length} elements.");
            }

            y.Clear();
            return;
        }

        int planes = x.Length / columns;
        if (planes * columns != x.Length || y.Length != (long)planes * rows)
        {
            throw new ArgumentException($"Sparse map {rows}×{columns}{(transpose ? " (transposed)" : "")}: x has {x.Length} elements, y {y.Length}; both must be whole planes of the same count.");
        }

        if (y.Length == 0)
        {
            return;
        }

        long work = ((long)planes * a.Entries) + y.Length;
        if (work < ParallelWork || Environment.ProcessorCount == 1)
        {
            Rows(a, x, y, 0, planes * rows);
            return;
        }

        // Blocks of output elements (plane-major) so each worker owns a contiguous range of y.
        int total = planes * rows;
        int blocks = Math.Min(total, Environment.ProcessorCount * 4);
        int per = (total + blocks - 1) / blocks;
        unsafe
        {
            fixed (float* xp = x, yp = y)
            {
                float* xs = xp, ys = yp;
                int xLength = x.Length, yLength = y.Length;
                Parallel.For(0, blocks, CpuParallel.Options, b =>
                {
                    int begin = b * per, end = Math.Min(total, begin + per);
                    if (begin < end)
                    {
                        Rows(a, new ReadOnlySpan<float>(xs, xLength), new Span<float>(ys, yLength), begin, end);
                    }
                });
            }
        }
    }

    /// <summary>Output elements <c>[begin, end)</c> (flat over planes × rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows(SparseMap a, ReadOnlySpan<float> x, Span<float> y, int begin, int end)
    {
        int rows = a.Rows, columns = a.Columns;
        var start = a.RowStart;
        var column = a.Column;
        var weight = a.Weight;
        int index = begin;
        while (index < end)
        {
            int plane = index / rows;
            int r = index - (plane * rows);
            int stop = Math.Min(end, (plane + 1) * rows);
            var xPlane = x.Slice(plane * columns, columns);
            for (; index < stop; index++, r++)
            {
                float sum = 0f;
                int k = start[r], kEnd = start[r + 1];
                for (; k < kEnd; k++)
                {
                    sum += weight[k] * xPlane[column[k]];
                }

                y[index] = sum;
            }
        }
    }
}
