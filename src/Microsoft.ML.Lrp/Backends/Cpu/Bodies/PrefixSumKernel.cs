using System.Runtime.CompilerServices;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// Prefix sums along the middle axis of x seen as <c>[outer, length, inner]</c> (CumSum and its transposed map):
/// one double accumulator per line, lines of one outer block walked together (contiguous in the inner axis); outer
/// blocks split over the cores when the input is large.
/// </summary>
internal static class PrefixSumKernel
{
    private const int ParallelElements = 1 << 15;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float[] x, int outer, int length, int inner, bool exclusive, bool reverse, float[] y)
    {
        void Block(int o)
        {
            Span<double> acc = inner <= 256 ? stackalloc double[inner] : new double[inner];
            acc.Clear();
            int first = o * length * inner;
            for (int step = 0; step < length; step++)
            {
                int at = first + ((reverse ? length - 1 - step : step) * inner);
                for (int c = 0; c < inner; c++)
                {
                    double before = acc[c];
                    acc[c] = before + x[at + c];
                    y[at + c] = (float)(exclusive ? before : acc[c]);
                }
            }
        }

        if (x.Length < ParallelElements || outer == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                Block(o);
            }

            return;
        }

        int perItem = Math.Max(1, (ParallelElements / 2) / Math.Max(1, length * inner));
        Parallel.For(0, (outer + perItem - 1) / perItem, CpuParallel.Options, item =>
        {
            int end = Math.Min(outer, (item + 1) * perItem);
            for (int o = item * perItem; o < end; o++)
            {
                Block(o);
            }
        });
    }
}
