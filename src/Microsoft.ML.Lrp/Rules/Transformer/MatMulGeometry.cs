using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// The index geometry of an ONNX MatMul (numpy semantics): 1-D operands promoted to matrices, batch dimensions
/// broadcast. <see cref="Offsets"/> gives, per output matrix, the offsets of the operand matrices it multiplies.
/// </summary>
internal sealed class MatMulGeometry
{
    public MatMulGeometry(int[] aShape, int[] bShape)
    {
        int[] a = aShape.Length == 1 ? [1, aShape[0]] : aShape;
        int[] b = bShape.Length == 1 ? [bShape[0], 1] : bShape;
        M = a[^2];
        K = a[^1];
        N = b[^1];
        if (b[^2] != K)
        {
            throw new LrpException($"MatMul operands [{string.Join(", ", aShape)}] and [{string.Join(", ", bShape)}] do not agree on the inner dimension.");
        }

        int[] aBatch = a[..^2], bBatch = b[..^2];
        int[] batch = TensorShapes.BroadcastShape([aBatch, bBatch]);
        int count = Tensor.ShapeSize(batch);
        Offsets = new (int A, int B, int Out)[count];
        var aIndex = TensorShapes.BroadcastSourceIndex(aBatch, batch);
        var bIndex = TensorShapes.BroadcastSourceIndex(bBatch, batch);
        for (int i = 0; i < count; i++)
        {
            Offsets[i] = (aIndex[i] * M * K, bIndex[i] * K * N, i * M * N);
        }

        OutputLength = count * M * N;
        ADistinct = aIndex.Distinct().Count() == count;
        BDistinct = bIndex.Distinct().Count() == count;
        AStride = StrideOf(aIndex, M * K);
        BStride = StrideOf(bIndex, K * N);
    }

    /// <summary>
    /// The distance between consecutive A matrices when they are evenly spaced (each matrix its own: M·K; one matrix
    /// shared by all: 0), so the products run as one strided-batched GEMM; -1 otherwise (a partial broadcast).
    /// </summary>
    public int AStride { get; }

    /// <summary>As <see cref="AStride"/> for B (K·N, 0 or -1).</summary>
    public int BStride { get; }

    private bool Strided => AStride >= 0 && BStride >= 0;

    /// <summary>Whether every output matrix reads its own A matrix (no broadcast of A).</summary>
    public bool ADistinct { get; }

    /// <summary>Whether every output matrix reads its own B matrix (no broadcast of B).</summary>
    public bool BDistinct { get; }

    public int M { get; }

    public int K { get; }

    public int N { get; }

    /// <summary>Per output matrix: the offsets of its A matrix, its B matrix and itself.</summary>
    public (int A, int B, int Out)[] Offsets { get; }

    public int OutputLength { get; }

    /// <summary><c>z = A·B</c> per batch matrix.</summary>
    public float[] Multiply(IRelevanceBackend backend, float[] a, float[] b)
    {
        var z = new float[OutputLength];
        if (Strided)
        {
            backend.GemmStridedBatched(false, false, M, N, K, Offsets.Length, a, AStride, b, BStride, z, M * N);
            return z;
        }

        if (InParallel(backend))
        {
            Parallel.For(0, Offsets.Length, CpuParallel.Options, i =>
            {
                var (oa, ob, oz) = Offsets[i];
                backend.Gemm(false, false, M, N, K, a.AsSpan(oa, M * K), b.AsSpan(ob, K * N), z.AsSpan(oz, M * N));
            });
            return z;
        }

        foreach (var (oa, ob, oz) in Offsets)
        {
            backend.Gemm(false, false, M, N, K, a.AsSpan(oa, M * K), b.AsSpan(ob, K * N), z.AsSpan(oz, M * N));
        }

        return z;
    }

    /// <summary>
    /// The bilinear shares: <c>R_A += A ⊙ s·Bᵀ</c> and <c>R_B += B ⊙ Aᵀ·s</c> (either may be null), summed over
    /// broadcast batch matrices.
    /// </summary>
    public void Shares(IRelevanceBackend backend, float[] a, float[] b, float[] s, float[]? ra, float[]? rb)
    {
        if (Strided && (ra is null || AStride > 0) && (rb is null || BStride > 0) && !InParallel(backend))
        {
            SharesBatched(backend, a, b, s, ra, rb);
            return;
        }

        if (InParallel(backend) && (ra is null || ADistinct) && (rb is null || BDistinct))
        {
            Parallel.For(
                0,
                Offsets.Length,
                CpuParallel.Options,
                () => (ra is null ? null : new float[M * K], rb is null ? null : new float[K * N]),
                (i, _, scratch) =>
                {
                    ShareOf(backend, Offsets[i], a, b, s, ra, rb, scratch.Item1, scratch.Item2);
                    return scratch;
                },
                _ => { });
            return;
        }

        var sbt = ra is null ? null : new float[M * K];
        var ats = rb is null ? null : new float[K * N];
        foreach (var offsets in Offsets)
        {
            ShareOf(backend, offsets, a, b, s, ra, rb, sbt, ats);
        }
    }

    /// <summary>
    /// The shares with one strided-batched GEMM per operand for all batch matrices (each share written by its own
    /// matrix only: the receiving operands are not broadcast).
    /// </summary>
    private void SharesBatched(IRelevanceBackend backend, float[] a, float[] b, float[] s, float[]? ra, float[]? rb)
    {
        int count = Offsets.Length;
        if (ra is not null)
        {
            var sbt = new float[count * M * K];
            backend.GemmStridedBatched(false, true, M, K, N, count, s, M * N, b, BStride, sbt, M * K);
            var target = ra.AsSpan(0, sbt.Length);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(a.AsSpan(0, sbt.Length), sbt, target, target);
        }

        if (rb is not null)
        {
            var ats = new float[count * K * N];
            backend.GemmStridedBatched(true, false, K, N, M, count, a, AStride, s, M * N, ats, K * N);
            var target = rb.AsSpan(0, ats.Length);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.AsSpan(0, ats.Length), ats, target, target);
        }
    }

    private static int StrideOf(int[] index, int size)
    {
        bool spaced = true, shared = true;
        for (int i = 0; i < index.Length; i++)
        {
            spaced &= index[i] == i;
            shared &= index[i] == 0;
        }

        return spaced ? size : shared ? 0 : -1;
    }

    /// <summary>Products of many small matrices run one per thread (each GEMM then runs on its thread alone).</summary>
    private bool InParallel(IRelevanceBackend backend)
        => Offsets.Length > 1 && backend is Backends.Cpu.CpuBackend && (long)M * N * K < Backends.Cpu.BlockedGemm.ParallelThreshold;

    private void ShareOf(IRelevanceBackend backend, (int A, int B, int Out) offsets, float[] a, float[] b, float[] s, float[]? ra, float[]? rb, float[]? sbt, float[]? ats)
    {
        var (oa, ob, os) = offsets;
        if (ra is not null)
        {
            backend.Gemm(false, true, M, K, N, s.AsSpan(os, M * N), b.AsSpan(ob, K * N), sbt);
            var target = ra.AsSpan(oa, M * K);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(a.AsSpan(oa, M * K), sbt, target, target);
        }

        if (rb is not null)
        {
            backend.Gemm(true, false, K, N, M, a.AsSpan(oa, M * K), s.AsSpan(os, M * N), ats);
            var target = rb.AsSpan(ob, K * N);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.AsSpan(ob, K * N), ats, target, target);
        }
    }
}
