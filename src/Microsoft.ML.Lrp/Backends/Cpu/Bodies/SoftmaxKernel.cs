using System.Runtime.CompilerServices;
using System.Numerics;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// Softmax forward for replays, <c>y = exp(x − max) / Σ exp(x − max)</c> along an axis of <c>[outer, length, inner]</c>:
/// vectorised rows split over the cores for the last axis, sums in double so the result stays within float
/// rounding of ONNX Runtime's.
/// </summary>
internal static class SoftmaxKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float[] src, float[] dst, int outer, int length, int inner)
    {
        if (inner == 1)
        {
            // The usual case (the last axis): vectorised rows, split over the cores in blocks of rows.
            var output = dst;
            int rowsPerItem = Math.Max(1, 8192 / Math.Max(1, length));
            Parallel.For(0, (outer + rowsPerItem - 1) / rowsPerItem, CpuParallel.Options, item =>
            {
                int end = Math.Min(outer, (item + 1) * rowsPerItem);
                for (int o = item * rowsPerItem; o < end; o++)
                {
                    var row = src.AsSpan(o * length, length);
                    var result = output.AsSpan(o * length, length);
                    float max = TensorPrimitives.Max(row);
                    double sum = ExpShifted(row, max, result);
                    TensorPrimitives.Multiply(result, (float)(1.0 / sum), result);
                }
            });
            return;
        }


        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < inner; k++)
            {
                int start = (o * length * inner) + k;
                float max = float.NegativeInfinity;
                for (int j = 0; j < length; j++)
                {
                    max = Math.Max(max, src[start + (j * inner)]);
                }

                double sum = 0;
                for (int j = 0; j < length; j++)
                {
                    float e = MathF.Exp(src[start + (j * inner)] - max);
                    dst[start + (j * inner)] = e;
                    sum += e;
                }

                float scale = (float)(1.0 / sum);
                for (int j = 0; j < length; j++)
                {
                    dst[start + (j * inner)] *= scale;
                }
            }
        }

    }

    /// <summary><c>e = exp(x − max)</c> rounded from double (as <c>MathF.Exp</c> rounds), vectorised; returns <c>Σ e</c> in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double ExpShifted(ReadOnlySpan<float> row, float max, Span<float> e)
    {
        int lanes = Vector<float>.Count, j = 0;
        var shift = new Vector<float>(max);
        var total = Vector<double>.Zero;
        for (; j + lanes <= row.Length; j += lanes)
        {
            Vector.Widen(new Vector<float>(row[j..]) - shift, out var low, out var high);
            var el = Vector.Exp(low);
            var eh = Vector.Exp(high);
            var rounded = Vector.Narrow(el, eh);
            rounded.CopyTo(e[j..]);
            Vector.Widen(rounded, out el, out eh);
            total += el + eh;
        }

        double sum = Vector.Sum(total);
        for (; j < row.Length; j++)
        {
            e[j] = MathF.Exp(row[j] - max);
            sum += e[j];
        }

        return sum;
    }
}
