using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// The Norm rule of a ReduceMean / ReduceSum over one contiguous run of axes, in blocks and without index maps: the
/// input is seen as <c>[outer, mid, inner]</c> with the mid axes reduced, so per output element
/// <c>a = scale · Σ_m x[o, m, k]</c>, <c>s = R / stab(a)</c>, <c>R_x[o, m, k] = x[o, m, k] · scale · s</c>, and
/// <c>R − s · a</c> is absorbed (the backend's <c>ReductionNorm</c>).
/// </summary>
internal static class ReductionNorm
{
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
        var rx = new Tensor(x.Shape, TensorArena.Allocate(x.Length, clear: false));
        var absorbed = TensorArena.Allocate(r.Length, clear: false);
        ctx.Backend.ReductionNorm(x.Data, r.Data, outer, mid, inner, scale, ctx.Epsilon, rx.Data, absorbed);
        ctx.Absorb(absorbed);
        TensorArena.Release(absorbed);
        ctx.AddInputRelevance(0, rx);
        return true;
    }
}
