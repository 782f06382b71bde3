using System.Runtime.CompilerServices;
using Microsoft.ML.Lrp.Backends.Bodies;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// Batches of small matrix products (<see cref="MatMulBatch"/>) on the CPU: products and the bilinear shares, one
/// matrix per thread when each GEMM is too small to be split over the cores itself.
/// </summary>
internal static class MatMulKernels
{
    /// <summary><c>z = A·B</c> per batch matrix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(MatMulBatch g, IRelevanceBackend backend, float[] a, float[] b, float[] z)
    {
        int m = g.M, n = g.N, k = g.K;
        var offsets = g.Offsets;
        if (InParallel(g))
        {
            Parallel.For(0, offsets.Length, CpuParallel.Options, i =>
            {
                var (oa, ob, oz) = offsets[i];
                backend.Gemm(false, false, m, n, k, a.AsSpan(oa, m * k), b.AsSpan(ob, k * n), z.AsSpan(oz, m * n));
            });
            return;
        }

        foreach (var (oa, ob, oz) in offsets)
        {
            backend.Gemm(false, false, m, n, k, a.AsSpan(oa, m * k), b.AsSpan(ob, k * n), z.AsSpan(oz, m * n));
        }
    }

    /// <summary>
    /// The bilinear shares: <c>R_A += A ⊙ s·Bᵀ</c> and <c>R_B += B ⊙ Aᵀ·s</c> (either may be null), summed over
    /// broadcast batch matrices.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Shares(MatMulBatch g, IRelevanceBackend backend, float[] a, float[] b, float[] s, float[]? ra, float[]? rb)
    {
        int m = g.M, n = g.N, k = g.K;
        var offsets = g.Offsets;
        bool aDistinct = g.ADistinct, bDistinct = g.BDistinct;
        if (InParallel(g) && (ra is null || aDistinct) && (rb is null || bDistinct))
        {
            Parallel.For(
                0,
                offsets.Length,
                CpuParallel.Options,
                () => (ra is null ? null : new float[m * k], rb is null ? null : new float[k * n]),
                (i, _, scratch) =>
                {
                    ShareOf(g, backend, offsets[i], a, b, s, ra, rb, scratch.Item1, scratch.Item2);
                    return scratch;
                },
                _ => { });
            return;
        }

        var sbt = ra is null ? null : new float[m * k];
        var ats = rb is null ? null : new float[k * n];
        foreach (var matrix in offsets)
        {
            ShareOf(g, backend, matrix, a, b, s, ra, rb, sbt, ats);
        }
    }

    /// <summary>Products of many small matrices run one per thread (each GEMM then runs on its thread alone).</summary>
    public static bool InParallel(MatMulBatch g)
        => g.Offsets.Length > 1 && (long)g.M * g.N * g.K < BlockedGemm.ParallelThreshold;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ShareOf(MatMulBatch g, IRelevanceBackend backend, (int A, int B, int Out) offsets, float[] a, float[] b, float[] s, float[]? ra, float[]? rb, float[]? sbt, float[]? ats)
    {
        int m = g.M, n = g.N, k = g.K;
        var (oa, ob, os) = offsets;
        if (ra is not null)
        {
            backend.Gemm(false, true, m, k, n, s.AsSpan(os, m * n), b.AsSpan(ob, k * n), sbt);
            var target = ra.AsSpan(oa, m * k);
            TensorPrimitives.MultiplyAdd(a.AsSpan(oa, m * k), sbt, target, target);
        }

        if (rb is not null)
        {
            backend.Gemm(true, false, k, n, m, a.AsSpan(oa, m * k), s.AsSpan(os, m * n), ats);
            var target = rb.AsSpan(ob, k * n);
            TensorPrimitives.MultiplyAdd(b.AsSpan(ob, k * n), ats, target, target);
        }
    }
}
