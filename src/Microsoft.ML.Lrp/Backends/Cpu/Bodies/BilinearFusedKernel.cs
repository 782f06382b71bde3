using System.Runtime.CompilerServices;
using Microsoft.ML.Lrp.Backends.Bodies;
using Microsoft.ML.Lrp.Rules.Bodies;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// The bilinear MatMul rule (the rules' <c>BilinearMatMulRule</c>) one output matrix at a time, the matrices in parallel on the CPU: per matrix
/// <c>z = factor · A·B</c>, <c>s = R / stab(z)</c>, the shares <c>A ⊙ s·Bᵀ</c> and <c>B ⊙ Aᵀ·s</c> and the absorbed
/// <c>Σ R − Σ s ⊙ z</c>, with per-thread scratch instead of whole-tensor intermediates. Applies when no operand that
/// receives relevance is broadcast over the batch matrices (each share is then written by one matrix only).
/// </summary>
internal static class BilinearFusedKernel
{
    public static bool Applies(MatMulBatch g, bool aCarries, bool bCarries)
        => g.Offsets.Length > 1 && (!aCarries || g.ADistinct) && (!bCarries || g.BDistinct)
            && (long)g.M * g.N * g.K < BlockedGemm.ParallelThreshold;

    /// <summary>Runs the rule; returns the absorbed relevance per output matrix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double[] Run(MatMulBatch g, IRelevanceBackend backend, float[] a, float[] b, float[] r, float factor, float epsilon, float[]? ra, float[]? rb)
    {
        int m = g.M, n = g.N, k = g.K;
        var absorbed = new double[g.Offsets.Length];
        var divide = new StabilizedDivide(epsilon);
        Parallel.For(
            0,
            g.Offsets.Length,
            CpuParallel.Options,
            () => (new float[m * n], new float[m * n], new float[Math.Max(m * k, k * n)]),
            (i, _, scratch) =>
            {
                var (z, s, share) = scratch;
                var (oa, ob, oz) = g.Offsets[i];
                var aMatrix = a.AsSpan(oa, m * k);
                var bMatrix = b.AsSpan(ob, k * n);
                var rMatrix = r.AsSpan(oz, m * n);
                backend.Gemm(false, false, m, n, k, aMatrix, bMatrix, z);
                if (factor != 1f)
                {
                    TensorPrimitives.Multiply(z, factor, z);
                }

                StabilizedDivide.Apply(divide, rMatrix, z, s);
                absorbed[i] = (double)TensorPrimitives.Sum<float>(rMatrix) - TensorPrimitives.Dot<float>(s, z);
                if (ra is not null)
                {
                    var sbt = share.AsSpan(0, m * k);
                    backend.Gemm(false, true, m, k, n, s, bMatrix, sbt);
                    TensorPrimitives.Multiply(aMatrix, sbt, ra.AsSpan(oa, m * k));
                }

                if (rb is not null)
                {
                    var ats = share.AsSpan(0, k * n);
                    backend.Gemm(true, false, k, n, m, aMatrix, s, ats);
                    TensorPrimitives.Multiply(bMatrix, ats, rb.AsSpan(ob, k * n));
                }

                return scratch;
            },
            _ => { });
        return absorbed;
    }
}
