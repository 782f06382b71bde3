namespace Microsoft.ML.Lrp.Backends.Bodies;

/// <summary>
/// A batch of row-major products <c>Z_i = A_i · B_i</c> of one shape (<c>[M, K] · [K, N]</c>): per output matrix the
/// element offsets of its A matrix, its B matrix and itself (operands may be shared by several outputs when
/// broadcast). <see cref="ADistinct"/>/<see cref="BDistinct"/>: every output reads its own A/B matrix.
/// </summary>
internal sealed record MatMulBatch(int M, int N, int K, (int A, int B, int Out)[] Offsets, bool ADistinct, bool BDistinct)
{
    /// <summary>
    /// The distance between consecutive A matrices when they are evenly spaced (each output its own: M·K; one matrix
    /// shared by all: 0), so the products can run as one strided-batched GEMM; -1 otherwise (a partial broadcast).
    /// </summary>
    public int AStride { get; } = StrideOf(Offsets, o => o.A, M * K);

    /// <summary>As <see cref="AStride"/> for B (K·N, 0 or -1).</summary>
    public int BStride { get; } = StrideOf(Offsets, o => o.B, K * N);

    /// <summary>Both operands evenly spaced or shared (outputs are always consecutive).</summary>
    public bool Strided => AStride >= 0 && BStride >= 0;

    private static int StrideOf((int A, int B, int Out)[] offsets, Func<(int A, int B, int Out), int> operand, int size)
    {
        bool spaced = true, shared = true;
        for (int i = 0; i < offsets.Length; i++)
        {
            int offset = operand(offsets[i]);
            spaced &= offset == i * size;
            shared &= offset == 0;
        }

        return spaced ? size : shared ? 0 : -1;
    }
}
