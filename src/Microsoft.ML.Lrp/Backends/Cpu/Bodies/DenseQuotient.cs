using System.Runtime.CompilerServices;
using System.Numerics;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// One fused pass of a linear rule over a dense layer's output <c>[rows, M]</c> (every leading axis flattened into
/// rows, the bias on the last axis): <c>s = R / stab(z + b)</c>, and per sample <c>Σ R</c> and <c>⟨s, z⟩</c> (z
/// without bias). Blocks of rows run in parallel; sums are taken per row in float vectors and added in double.
/// </summary>
internal static class DenseQuotient
{
    private const int BlockElements = 8192;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double[] RelevanceSums, double[] Dots) Run(float[] relevance, float[] z, float[] bias, int batch, float epsilon, float[] s)
    {
        int m = bias.Length;
        int rows = relevance.Length / m;
        var rowR = new double[rows];
        var rowDot = new double[rows];
        int rowsPerBlock = Math.Max(1, BlockElements / m);
        Parallel.For(0, (rows + rowsPerBlock - 1) / rowsPerBlock, CpuParallel.Options, block =>
        {
            int end = Math.Min(rows, (block + 1) * rowsPerBlock);
            for (int row = block * rowsPerBlock; row < end; row++)
            {
                (rowR[row], rowDot[row]) = Row(relevance.AsSpan(row * m, m), z.AsSpan(row * m, m), bias, epsilon, s.AsSpan(row * m, m));
            }
        });

        var sampleR = new double[batch];
        var sampleDot = new double[batch];
        int rowsPerSample = rows / batch;
        for (int row = 0; row < rows; row++)
        {
            sampleR[row / rowsPerSample] += rowR[row];
            sampleDot[row / rowsPerSample] += rowDot[row];
        }

        return (sampleR, sampleDot);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double SumR, double Dot) Row(ReadOnlySpan<float> rs, ReadOnlySpan<float> zs, ReadOnlySpan<float> b, float epsilon, Span<float> ss)
    {
        var vEps = new Vector<float>(epsilon);
        var vNegEps = new Vector<float>(-epsilon);
        Vector<float> sumR = Vector<float>.Zero, dot = Vector<float>.Zero;
        int w = Vector<float>.Count, i = 0;
        for (; i <= rs.Length - w; i += w)
        {
            var vr = new Vector<float>(rs[i..]);
            var vz = new Vector<float>(zs[i..]);
            var zz = vz + new Vector<float>(b[i..]);
            var vs = vr / (zz + Vector.ConditionalSelect(Vector.GreaterThanOrEqual(zz, Vector<float>.Zero), vEps, vNegEps));
            vs.CopyTo(ss[i..]);
            sumR += vr;
            dot += vs * vz;
        }

        double tailR = 0, tailDot = 0;
        for (; i < rs.Length; i++)
        {
            float zz = zs[i] + b[i];
            float v = rs[i] / (zz + (zz >= 0 ? epsilon : -epsilon));
            ss[i] = v;
            tailR += rs[i];
            tailDot += (double)v * zs[i];
        }

        return (Vector.Sum(sumR) + tailR, Vector.Sum(dot) + tailDot);
    }
}
