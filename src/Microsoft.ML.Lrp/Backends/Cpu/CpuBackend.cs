namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// The CPU relevance backend: a packed, register-blocked SIMD GEMM (<see cref="BlockedGemm"/>), im2col
/// convolution (<see cref="ConvKernels"/>), pooling (<see cref="PoolKernels"/>), sparse linear maps
/// (<see cref="SparseKernels"/>) and vectorised element-wise rule
/// bodies (<see cref="CpuElementwise"/>), multi-threaded with <see cref="Parallel"/> on large inputs.
/// </summary>
internal sealed partial class CpuBackend : IRelevanceBackend
{
    /// <inheritdoc/>
    public string Name => $"CPU ({Environment.ProcessorCount} threads, {(GemmMicroKernel.Wide ? "AVX-512" : "256-bit")} GEMM)";

    /// <inheritdoc/>
    public void Gemm(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, float beta = 0f)
        => BlockedGemm.Multiply(transA, transB, m, n, k, a, b, c, beta, Environment.ProcessorCount);

    /// <inheritdoc/>
    public void GemmStridedBatched(bool transA, bool transB, int m, int n, int k, int batch, ReadOnlySpan<float> a, int strideA, ReadOnlySpan<float> b, int strideB, Span<float> c, int strideC, float beta = 0f)
        => CpuStridedBatchedGemm.Multiply(transA, transB, m, n, k, batch, a, strideA, b, strideB, c, strideC, beta);

    /// <inheritdoc/>
    public void ConvForward(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
        => ConvKernels.Forward(g, x, w, bias, y);

    /// <inheritdoc/>
    public void ConvBackwardData(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
        => ConvKernels.BackwardData(g, dy, w, dx);

    /// <inheritdoc/>
    public void AveragePoolForward(PoolGeometry g, ReadOnlySpan<float> x, Span<float> y) => PoolKernels.AverageForward(g, x, y);

    /// <inheritdoc/>
    public void AveragePoolBackward(PoolGeometry g, ReadOnlySpan<float> dy, Span<float> dx) => PoolKernels.AverageBackward(g, dy, dx);

    /// <inheritdoc/>
    public void MaxPoolArgmax(PoolGeometry g, ReadOnlySpan<float> x, Span<int> argmax) => PoolKernels.MaxArgmax(g, x, argmax);

    /// <inheritdoc/>
    public void SparseLinear(SparseMap map, bool transpose, ReadOnlySpan<float> x, Span<float> y) => SparseKernels.Apply(map, transpose, x, y);

    /// <inheritdoc/>
    public void Map<TOp>(TOp op, ReadOnlySpan<float> a, Span<float> result)
        where TOp : struct, IUnaryElementwiseOp
        => CpuElementwise.Map(op, a, result);

    /// <inheritdoc/>
    public void Map<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> result)
        where TOp : struct, IBinaryElementwiseOp
        => CpuElementwise.Map(op, a, b, result);

    /// <inheritdoc/>
    public void Map<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> result)
        where TOp : struct, ITernaryElementwiseOp
        => CpuElementwise.Map(op, a, b, c, result);
}
