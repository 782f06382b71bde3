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
    }

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
        var sbt = ra is null ? null : new float[M * K];
        var ats = rb is null ? null : new float[K * N];
        foreach (var (oa, ob, os) in Offsets)
        {
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
}
