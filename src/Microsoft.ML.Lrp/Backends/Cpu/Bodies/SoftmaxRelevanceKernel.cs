namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// The AttnLRP softmax rule on the CPU (see the rules' <c>AttnSoftmaxRule</c> for the formula):
/// <c>R_x = x ⊙ (R − y ⊙ Σ_axis R)</c>, 0 where y is 0 or x is not finite, and the Taylor-bias absorbed shares.
/// </summary>
internal static class SoftmaxRelevanceKernel
{
    /// <summary>Along an axis of <paramref name="length"/> elements with stride <paramref name="inner"/>; rx and absorbed overwritten.</summary>
    public static void Strided(float[] x, float[] y, float[] r, int outer, int length, int inner, float[] rx, float[] absorbed)
    {
        Parallel.For(0, outer, CpuParallel.Options, o =>
        {
            for (int c = 0; c < inner; c++)
            {
                int start = (o * length * inner) + c;
                double total = 0, sx = 0;
                for (int k = 0; k < length; k++)
                {
                    int i = start + (k * inner);
                    total += r[i];
                    sx += Kept(x[i], y[i]) ? (double)y[i] * x[i] : 0;
                }

                for (int k = 0; k < length; k++)
                {
                    int i = start + (k * inner);
                    float xi = x[i];
                    bool kept = Kept(xi, y[i]);
                    rx[i] = kept ? (float)(xi * (r[i] - (y[i] * total))) : 0f;
                    absorbed[i] = (float)TaylorBiasShare(r[i], xi, sx, kept);
                }
            }
        });
    }

    public static bool Kept(float x, float y) => y != 0f && float.IsFinite(x);

    /// <summary>
    /// What output element j absorbs, from the node's own terms: linearised at x (AttnLRP), <c>s_j = Σ_i J_ji x_i + b_j</c>
    /// with the Taylor bias <c>b_j = s_j (1 − x_j + Σ_k s_k x_k)</c>, so element j's relevance <c>R_j</c> leaves the share
    /// <c>R_j b_j / s_j</c> in the bias; a masked element (softmax weight 0) keeps no diagonal term, so its share is
    /// <c>R_j (1 + Σ_k s_k x_k)</c>.
    /// </summary>
    public static double TaylorBiasShare(float r, float x, double sx, bool kept) => kept ? r * (1 - (double)x + sx) : r * (1 + sx);

    /// <summary>The softmax over the last axis, vectorised per row; the absorbed share is summed per row into <paramref name="absorbedPerRow"/>. <paramref name="rx"/> may be <paramref name="r"/>.</summary>
    public static void LastAxis(float[] x, float[] y, float[] r, float[] rx, int length, double[] absorbedPerRow)
    {
        int outer = x.Length / length;
        Parallel.For(0, outer, CpuParallel.Options, o =>
        {
            var xs = x.AsSpan(o * length, length);
            var ys = y.AsSpan(o * length, length);
            var rs = r.AsSpan(o * length, length);
            var target = rx.AsSpan(o * length, length);
            float total = System.Numerics.Tensors.TensorPrimitives.Sum<float>(rs);

            // r and target may share a buffer: the bias shares are read from r before R_x is written.
            double sx = 0;
            for (int k = 0; k < length; k++)
            {
                sx += Kept(xs[k], ys[k]) ? (double)ys[k] * xs[k] : 0;
            }

            double absorbedRow = 0;
            for (int k = 0; k < length; k++)
            {
                absorbedRow += TaylorBiasShare(rs[k], xs[k], sx, Kept(xs[k], ys[k]));
            }

            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(ys, -total, rs, target);
            System.Numerics.Tensors.TensorPrimitives.Multiply(target, xs, target);
            for (int k = 0; k < length; k++)
            {
                if (!Kept(xs[k], ys[k]))
                {
                    target[k] = 0f;
                }
            }

            absorbedPerRow[o] = absorbedRow;
        });
    }
}
