namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// The shape of a batch of GEMMs <c>C_z = op(A_z)·op(B_z) + β·C_z</c> for <c>z</c> in the grid's Z dimension.
/// Operand z starts at <c>(z mod APeriod)·AStride</c> in A, <c>z·BStride</c> in B and <c>z·CStride</c> in C, so a
/// grouped convolution's weight (one slab per group) is shared by every sample.
/// </summary>
internal readonly struct GemmShape(int m, int n, int k, bool transA, bool transB, float beta, int aPeriod, int aStride, int bStride, int cStride)
{
    public readonly int M = m;
    public readonly int N = n;
    public readonly int K = k;
    public readonly int TransA = transA ? 1 : 0;
    public readonly int TransB = transB ? 1 : 0;
    public readonly float Beta = beta;
    public readonly int APeriod = aPeriod;
    public readonly int AStride = aStride;
    public readonly int BStride = bStride;
    public readonly int CStride = cStride;

    /// <summary>One plain GEMM (a batch of one).</summary>
    public static GemmShape Single(int m, int n, int k, bool transA, bool transB, float beta)
        => new(m, n, k, transA, transB, beta, 1, 0, 0, 0);
}
