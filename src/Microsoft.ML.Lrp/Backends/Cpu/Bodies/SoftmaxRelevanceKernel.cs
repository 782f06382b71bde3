using System.Runtime.CompilerServices;
using System.Numerics;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// The AttnLRP softmax rule on the CPU (see the rules' <c>AttnSoftmaxRule</c> for the formula):
/// <c>R_x = x ⊙ (R − y ⊙ Σ_axis R)</c>, 0 where y is 0 or x is not finite, and the Taylor-bias absorbed shares.
/// </summary>
internal static class SoftmaxRelevanceKernel
{
    /// <summary>Along an axis of <paramref name="length"/> elements with stride <paramref name="inner"/>; rx and absorbed overwritten.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>
    /// The softmax over the last axis, vectorised per row in two sweeps: the first takes <c>Σ R</c>,
    /// <c>Σ_kept y·x</c> and <c>Σ_kept R·x</c> (the absorbed share of a row is <c>(1 + Σ y·x) Σ R − Σ_kept R·x</c>,
    /// the sum of <see cref="TaylorBiasShare"/> over its elements), the second writes
    /// <c>R_x = (R − y·Σ R) · x</c>, 0 where the element is not kept. The absorbed share is summed per row into
    /// <paramref name="absorbedPerRow"/>. <paramref name="rx"/> may be <paramref name="r"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LastAxis(float[] x, float[] y, float[] r, float[] rx, int length, double[] absorbedPerRow)
    {
        int outer = x.Length / length;
        int rowsPerItem = Math.Max(1, 4096 / length);
        Parallel.For(0, (outer + rowsPerItem - 1) / rowsPerItem, CpuParallel.Options, item =>
        {
            int end = Math.Min(outer, (item + 1) * rowsPerItem);
            for (int o = item * rowsPerItem; o < end; o++)
            {
                int at = o * length;
                absorbedPerRow[o] = Row(x.AsSpan(at, length), y.AsSpan(at, length), r.AsSpan(at, length), rx.AsSpan(at, length));
            }
        });
    }

    /// <summary>One row of <see cref="LastAxis"/>; returns its absorbed share. <paramref name="target"/> may overlap <paramref name="rs"/> exactly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Row(ReadOnlySpan<float> xs, ReadOnlySpan<float> ys, ReadOnlySpan<float> rs, Span<float> target)
    {
        int w = Vector<float>.Count, length = xs.Length, k = 0;
        Vector<float> vTotal = Vector<float>.Zero, vYx = Vector<float>.Zero, vRx = Vector<float>.Zero;
        for (; k <= length - w; k += w)
        {
            var vx = new Vector<float>(xs[k..]);
            var vy = new Vector<float>(ys[k..]);
            var vr = new Vector<float>(rs[k..]);
            var kept = Kept(vx, vy);
            vTotal += vr;
            vYx += Vector.ConditionalSelect(kept, vy * vx, Vector<float>.Zero);
            vRx += Vector.ConditionalSelect(kept, vr * vx, Vector<float>.Zero);
        }

        float total = Vector.Sum(vTotal);
        double sx = Vector.Sum(vYx), rx = Vector.Sum(vRx);
        for (int t = k; t < length; t++)
        {
            total += rs[t];
            if (Kept(xs[t], ys[t]))
            {
                sx += (double)ys[t] * xs[t];
                rx += (double)rs[t] * xs[t];
            }
        }

        // Σ_k TaylorBiasShare(R_k, x_k, sx, kept_k), read before R_x is written over R.
        double absorbed = ((1 + sx) * total) - rx;
        var vNegTotal = new Vector<float>(-total);
        for (k = 0; k <= length - w; k += w)
        {
            var vx = new Vector<float>(xs[k..]);
            var vy = new Vector<float>(ys[k..]);
            var value = ((vy * vNegTotal) + new Vector<float>(rs[k..])) * vx;
            Vector.ConditionalSelect(Kept(vx, vy), value, Vector<float>.Zero).CopyTo(target[k..]);
        }

        for (; k < length; k++)
        {
            float value = ((ys[k] * -total) + rs[k]) * xs[k];
            target[k] = Kept(xs[k], ys[k]) ? value : 0f;
        }

        return absorbed;
    }

    /// <summary>Lanes whose softmax weight is non-zero and whose input is finite (<c>x − x</c> is 0 only for finite x).</summary>
    private static Vector<int> Kept(Vector<float> x, Vector<float> y)
        => Vector.AndNot(Vector.Equals(x - x, Vector<float>.Zero), Vector.Equals(y, Vector<float>.Zero));
}
