using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Bodies;
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
        Batch = new MatMulBatch(M, N, K, Offsets, ADistinct, BDistinct);
    }

    /// <summary>The batch of products as the backend takes it.</summary>
    public MatMulBatch Batch { get; }

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
        var z = TensorArena.Allocate(OutputLength, clear: false);
        backend.BatchedMatMul(Batch, a, b, z);
        return z;
    }

    /// <summary>
    /// The bilinear shares: <c>R_A += A ⊙ s·Bᵀ</c> and <c>R_B += B ⊙ Aᵀ·s</c> (either may be null), summed over
    /// broadcast batch matrices.
    /// </summary>
    public void Shares(IRelevanceBackend backend, float[] a, float[] b, float[] s, float[]? ra, float[]? rb)
        => backend.BilinearShares(Batch, a, b, s, ra, rb);
}
