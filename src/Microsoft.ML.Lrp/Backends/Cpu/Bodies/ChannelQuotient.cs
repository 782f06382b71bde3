using System.Runtime.CompilerServices;
using System.Numerics;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// One fused pass of a linear rule over a convolution's output planes <c>[N, M, inner]</c>:
/// <c>s = R / stab(z + b_m)</c>, and per row (sample) <c>Σ R</c> and <c>⟨s, z⟩</c> (z without bias), the two
/// numbers the absorbed relevance needs. Planes run in parallel; sums are taken per plane in float vectors and
/// added in double.
/// </summary>
internal static class ChannelQuotient
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double[] RelevanceSums, double[] Dots) Run(float[] relevance, float[] z, ReadOnlySpan<float> bias, int batch, float epsilon, float[] s)
    {
        int channels = bias.Length;
        int planes = batch * channels;
        int inner = relevance.Length / planes;
        var planeR = new double[planes];
        var planeDot = new double[planes];
        float[] b = bias.ToArray();
        Parallel.For(0, planes, CpuParallel.Options, p =>
        {
            int start = p * inner;
            var rs = relevance.AsSpan(start, inner);
            var zs = z.AsSpan(start, inner);
            var ss = s.AsSpan(start, inner);
            float bp = b[p % channels];
            var vb = new Vector<float>(bp);
            var vEps = new Vector<float>(epsilon);
            var vNegEps = new Vector<float>(-epsilon);
            Vector<float> sumR = Vector<float>.Zero, dot = Vector<float>.Zero;
            int w = Vector<float>.Count, i = 0;
            for (; i <= inner - w; i += w)
            {
                var vr = new Vector<float>(rs[i..]);
                var vz = new Vector<float>(zs[i..]);
                var zz = vz + vb;
                var vs = vr / (zz + Vector.ConditionalSelect(Vector.GreaterThanOrEqual(zz, Vector<float>.Zero), vEps, vNegEps));
                vs.CopyTo(ss[i..]);
                sumR += vr;
                dot += vs * vz;
            }

            double tailR = 0, tailDot = 0;
            for (; i < inner; i++)
            {
                float zz = zs[i] + bp;
                float v = rs[i] / (zz + (zz >= 0 ? epsilon : -epsilon));
                ss[i] = v;
                tailR += rs[i];
                tailDot += (double)v * zs[i];
            }

            planeR[p] = Vector.Sum(sumR) + tailR;
            planeDot[p] = Vector.Sum(dot) + tailDot;
        });

        var rowR = new double[batch];
        var rowDot = new double[batch];
        for (int p = 0; p < planes; p++)
        {
            rowR[p / channels] += planeR[p];
            rowDot[p / channels] += planeDot[p];
        }

        return (rowR, rowDot);
    }
}
