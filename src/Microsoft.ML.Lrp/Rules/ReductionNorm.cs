using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// The Norm rule of a ReduceMean / ReduceSum over one contiguous run of axes, in blocks and without index maps: the
/// input is seen as <c>[outer, mid, inner]</c> with the mid axes reduced, so per output element
/// <c>a = scale · Σ_m x[o, m, k]</c>, <c>s = R / stab(a)</c>, <c>R_x[o, m, k] = x[o, m, k] · scale · s</c>, and
/// <c>R − s · a</c> is absorbed. The outer blocks are split over the cores when the input is large.
/// </summary>
internal static class ReductionNorm
{
    private const int ParallelElements = 1 << 15;

    /// <summary>Runs the rule and returns true, or returns false (nothing done) when the reduced axes are not contiguous.</summary>
    public static bool TryPropagate(RuleContext ctx, Tensor x, Tensor r, int[] keptShape, float scale)
    {
        int first = -1, last = -1;
        for (int d = 0; d < x.Rank; d++)
        {
            if (keptShape[d] == 1 && x.Shape[d] != 1)
            {
                first = first < 0 ? d : first;
                last = d;
            }
        }

        if (first < 0)
        {
            return false;
        }

        for (int d = first; d <= last; d++)
        {
            if (keptShape[d] != 1)
            {
                return false;
            }
        }

        int outer = Tensor.ShapeSize(x.Shape[..first]);
        int mid = Tensor.ShapeSize(x.Shape[first..(last + 1)]);
        int inner = Tensor.ShapeSize(x.Shape[(last + 1)..]);
        var divide = new StabilizedDivide(ctx.Epsilon);
        var rx = new Tensor(x.Shape, TensorArena.Allocate(x.Length, clear: false));
        var absorbed = new float[r.Length];
        var xData = x.Data;
        var rData = r.Data;
        void Block(int o)
        {
            int block = mid * inner;
            var a = absorbed.AsSpan(o * inner, inner);
            var xBlock = xData.AsSpan(o * block, block);
            if (inner == 1)
            {
                float ax = TensorPrimitives.Sum(xBlock) * scale;
                float s = divide.Apply(rData[o], ax);
                TensorPrimitives.Multiply(xBlock, s * scale, rx.Data.AsSpan(o * block, block));
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
                var target = rx.Data.AsSpan((o * block) + (m * inner), inner);
                TensorPrimitives.Multiply(a, scale, target);
                TensorPrimitives.Multiply(target, xBlock.Slice(m * inner, inner), target);
            }

            for (int k = 0; k < inner; k++)
            {
                a[k] = rRow[k] + (-1f * a[k] * sums[k]);
            }
        }

        if (x.Length < ParallelElements || outer == 1)
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

        ctx.Absorb(absorbed);
        ctx.AddInputRelevance(0, rx);
        return true;
    }
}
