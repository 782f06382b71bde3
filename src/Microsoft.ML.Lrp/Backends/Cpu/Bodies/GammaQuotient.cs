using System.Runtime.CompilerServices;
using System.Numerics;
using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// The Gamma rule's fused quotient pass on a layer whose input has one sign (<see cref="GammaQuotientPlan"/> gives
/// the formulas): both masked quotients, the two backward operands and the per-sample sums in one sweep. Units
/// (a convolution's channel planes, or a dense layer's rows) run in parallel; sums are taken per unit in float
/// vectors and added in double.
/// </summary>
internal static class GammaQuotient
{
    private const int BlockElements = 8192;

    /// <summary>
    /// Runs the pass; <paramref name="biases"/> holds <c>[b; bᵖ; bⁿ]</c> (3·C values). With <paramref name="u2"/> null
    /// <paramref name="u"/> holds both operands at the plan's block layout, otherwise <c>u₁</c> and <c>u₂</c> separately.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double[] RelevanceSums, double[] Dots) Run(GammaQuotientPlan plan, float[] relevance, float[] z, float[] t, float[] biases, float[] u, float[]? u2)
    {
        int length = relevance.Length, channels = plan.Channels;
        var sampleR = new double[plan.Batch];
        var sampleDot = new double[plan.Batch];
        if (length == 0 || plan.Batch == 0)
        {
            return (sampleR, sampleDot);
        }

        int units = plan.Dense ? length / channels : plan.Batch * channels;
        int inner = length / units;
        var unitR = new double[units];
        var unitDot = new double[units];
        int unitsPerTask = Math.Max(1, BlockElements / Math.Max(1, inner));
        Parallel.For(0, (units + unitsPerTask - 1) / unitsPerTask, CpuParallel.Options, task =>
        {
            int end = Math.Min(units, (task + 1) * unitsPerTask);
            for (int unit = task * unitsPerTask; unit < end; unit++)
            {
                (unitR[unit], unitDot[unit]) = Unit(plan, relevance, z, t, biases, u, u2, unit, inner);
            }
        });

        int unitsPerSample = units / plan.Batch;
        for (int unit = 0; unit < units; unit++)
        {
            sampleR[unit / unitsPerSample] += unitR[unit];
            sampleDot[unit / unitsPerSample] += unitDot[unit];
        }

        return (sampleR, sampleDot);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double SumR, double Dot) Unit(GammaQuotientPlan plan, float[] relevance, float[] z, float[] t, float[] biases, float[] u, float[]? u2, int unit, int inner)
    {
        int channels = plan.Channels, start = unit * inner;
        int first = u2 is null ? (start / plan.Block * 2 * plan.Block) + (start % plan.Block) : start;
        var rs = relevance.AsSpan(start, inner);
        var zs = z.AsSpan(start, inner);
        var ts = t.AsSpan(start, inner);
        var u1s = u.AsSpan(first, inner);
        var u2s = u2 is null ? u.AsSpan(first + plan.Block, inner) : u2.AsSpan(start, inner);
        // Dense rows: the biases run along the row; channel planes: one value per plane.
        int c = unit % channels;
        var b = plan.Dense ? biases.AsSpan(0, channels) : biases.AsSpan(c, 1);
        var bp = plan.Dense ? biases.AsSpan(channels, channels) : biases.AsSpan(channels + c, 1);
        var bn = plan.Dense ? biases.AsSpan(2 * channels, channels) : biases.AsSpan((2 * channels) + c, 1);
        // The denominators' biases: bᵖ with P for an input ≥ 0, bⁿ for an input ≤ 0 (and the other with N).
        var biasOfP = plan.NonPositive ? bn : bp;
        var biasOfN = plan.NonPositive ? bp : bn;
        float onePlusGamma = 1f + plan.Gamma, eps = plan.Epsilon;
        var vOnePlusGamma = new Vector<float>(onePlusGamma);
        var vEps = new Vector<float>(eps);
        var vNegEps = new Vector<float>(-eps);
        Vector<float> vb = new(b[0]), vbP = new(biasOfP[0]), vbN = new(biasOfN[0]);
        Vector<float> sumR = Vector<float>.Zero, dot = Vector<float>.Zero;
        int w = Vector<float>.Count, i = 0;
        for (; i <= inner - w; i += w)
        {
            if (plan.Dense)
            {
                vb = new Vector<float>(b[i..]);
                vbP = new Vector<float>(biasOfP[i..]);
                vbN = new Vector<float>(biasOfN[i..]);
            }

            var vr = new Vector<float>(rs[i..]);
            var vz = new Vector<float>(zs[i..]);
            var vt = new Vector<float>(ts[i..]);
            var a = plan.ZIncludesBias ? vz - vb : vz;
            var zRef = plan.ZIncludesBias ? vz : a + vb;
            var p = a + vt;
            var n = (vOnePlusGamma * a) - vt;
            var dp = p + vbP;
            var dn = n + vbN;
            var keepP = plan.NonPositive ? Vector.LessThan(zRef, Vector<float>.Zero) : Vector.GreaterThan(zRef, Vector<float>.Zero);
            var keepN = plan.NonPositive ? Vector.GreaterThan(zRef, Vector<float>.Zero) : Vector.LessThan(zRef, Vector<float>.Zero);
            var sP = Vector.ConditionalSelect(keepP, vr / (dp + Vector.ConditionalSelect(Vector.GreaterThanOrEqual(dp, Vector<float>.Zero), vEps, vNegEps)), Vector<float>.Zero);
            var sN = Vector.ConditionalSelect(keepN, vr / (dn + Vector.ConditionalSelect(Vector.GreaterThanOrEqual(dn, Vector<float>.Zero), vEps, vNegEps)), Vector<float>.Zero);
            (sP + (vOnePlusGamma * sN)).CopyTo(u1s[i..]);
            (sP - sN).CopyTo(u2s[i..]);
            sumR += vr;
            dot += (sP * p) + (sN * n);
        }

        double tailR = 0, tailDot = 0;
        for (; i < inner; i++)
        {
            int k = plan.Dense ? i : 0;
            float a = plan.ZIncludesBias ? zs[i] - b[k] : zs[i];
            float zRef = plan.ZIncludesBias ? zs[i] : a + b[k];
            float p = a + ts[i];
            float n = (onePlusGamma * a) - ts[i];
            float dp = p + biasOfP[k], dn = n + biasOfN[k];
            bool keepP = plan.NonPositive ? zRef < 0 : zRef > 0;
            bool keepN = plan.NonPositive ? zRef > 0 : zRef < 0;
            float sP = keepP ? rs[i] / (dp + (dp >= 0 ? eps : -eps)) : 0f;
            float sN = keepN ? rs[i] / (dn + (dn >= 0 ? eps : -eps)) : 0f;
            u1s[i] = sP + (onePlusGamma * sN);
            u2s[i] = sP - sN;
            tailR += rs[i];
            tailDot += ((double)sP * p) + ((double)sN * n);
        }

        return (Vector.Sum(sumR) + tailR, Vector.Sum(dot) + tailDot);
    }
}
