using System.Runtime.CompilerServices;
using Microsoft.ML.Lrp.Rules.Bodies;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// The Norm rule of a ReduceMean / ReduceSum over one contiguous run of axes: x seen as <c>[outer, mid, inner]</c>,
/// <c>a = scale · Σ_m x[o, m, k]</c>, <c>s = R / stab(a)</c>, <c>R_x = x · scale · s</c>, absorbed <c>R − s · a</c>;
/// outer blocks split over the cores when the input is large.
/// </summary>
internal static class ReductionNormKernel
{
    private const int ParallelElements = 1 << 15;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float[] xData, float[] rData, int outer, int mid, int inner, float scale, float epsilon, float[] rx, float[] absorbed)
    {
        var divide = new StabilizedDivide(epsilon);
        void Block(int o)
        {
            int block = mid * inner;
            var a = absorbed.AsSpan(o * inner, inner);
            var xBlock = xData.AsSpan(o * block, block);
            if (inner == 1)
            {
                float ax = TensorPrimitives.Sum(xBlock) * scale;
                float s = divide.Apply(rData[o], ax);
                TensorPrimitives.Multiply(xBlock, s * scale, rx.AsSpan(o * block, block));
                a[0] = rData[o] + (-1f * s * ax);
                return;
            }

            // a holds the window sums, then the stabilised quotients (scaled), then the absorbed remainder.
            xBlock[..inner].CopyTo(a);
            for (int m = 1; m < mid; m++)
            {
                TensorPrimitives.Add(a, xBlock.Slice(m * inner, inner), a);
            }

            Span<float> sums = inner <= 1024 ? stackalloc float[inner] : new float[inner];
            TensorPrimitives.Multiply(a, scale, sums);
            var rRow = rData.AsSpan(o * inner, inner);
            StabilizedDivide.Apply(divide, rRow, sums, a);
            for (int m = 0; m < mid; m++)
            {
                var target = rx.AsSpan((o * block) + (m * inner), inner);
                TensorPrimitives.Multiply(a, scale, target);
                TensorPrimitives.Multiply(target, xBlock.Slice(m * inner, inner), target);
            }

            for (int k = 0; k < inner; k++)
            {
                a[k] = rRow[k] + (-1f * a[k] * sums[k]);
            }
        }

        if (xData.Length < ParallelElements || outer == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                Block(o);
            }
        }
        else
        {
            int perItem = Math.Max(1, (ParallelElements / 2) / (mid * inner));
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
}
