namespace Microsoft.ML.Lrp.Backends;

/// <summary>
/// The numeric kernels a relevance pass runs on. Tensors are dense, row-major float spans; activations carry the
/// batch as their first dimension. Implementations: <c>Cpu/CpuBackend</c> (SIMD, multi-threaded) and
/// <c>Ilgpu/IlgpuBackend</c> (ILGPU kernels on CUDA; on ILGPU's CPU accelerator in tests).
/// </summary>
internal interface IRelevanceBackend
{
    /// <summary>Human-readable backend name, reported by the transformer.</summary>
    string Name { get; }

    /// <summary>
    /// <c>C[m,n] = op(A)[m,k] · op(B)[k,n] + beta · C</c>, row-major. <paramref name="transA"/> means A is stored as
    /// [k,m]; <paramref name="transB"/> means B is stored as [n,k].
    /// </summary>
    void Gemm(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, float beta = 0f);

    /// <summary>
    /// Convolution forward pass (1-D, 2-D or 3-D): <c>y = conv(x, w) + bias</c> with x [N, C, *in], w [M, C/group, *kernel],
    /// y [N, M, *out]. An empty <paramref name="bias"/> means no bias.
    /// </summary>
    void ConvForward(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y);

    /// <summary>
    /// The transposed map of <see cref="ConvForward"/> without bias (the gradient with respect to x):
    /// dy [N, M, *out] → dx [N, C, *in]. <paramref name="dx"/> is overwritten.
    /// </summary>
    void ConvBackwardData(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx);

    /// <summary>Average pooling forward: x [N, C, *in] → y [N, C, *out].</summary>
    void AveragePoolForward(PoolGeometry g, ReadOnlySpan<float> x, Span<float> y);

    /// <summary>The transposed map of <see cref="AveragePoolForward"/>: dy → dx (overwritten).</summary>
    void AveragePoolBackward(PoolGeometry g, ReadOnlySpan<float> dy, Span<float> dx);

    /// <summary>
    /// Max pooling winners: for each output element, the flat index into x (within the whole tensor) of the maximum
    /// of its window (first maximum wins ties; padding never wins).
    /// </summary>
    void MaxPoolArgmax(PoolGeometry g, ReadOnlySpan<float> x, Span<int> argmax);

    /// <summary>
    /// A sparse linear map applied to every plane: x is [planes, A.Columns] and y is [planes, A.Rows] with
    /// <c>y[p, r] = Σ_k A[r, k] · x[p, k]</c>; with <paramref name="transpose"/>, x is [planes, A.Rows] and y is
    /// [planes, A.Columns] with <c>y = Aᵀ x</c> per plane. <paramref name="y"/> is overwritten.
    /// </summary>
    void SparseLinear(SparseMap map, bool transpose, ReadOnlySpan<float> x, Span<float> y);

    /// <summary>Element-wise <c>result[i] = op(a[i])</c>.</summary>
    void Map<TOp>(TOp op, ReadOnlySpan<float> a, Span<float> result)
        where TOp : struct, IUnaryElementwiseOp;

    /// <summary>Element-wise <c>result[i] = op(a[i], b[i])</c>.</summary>
    void Map<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> result)
        where TOp : struct, IBinaryElementwiseOp;

    /// <summary>Element-wise <c>result[i] = op(a[i], b[i], c[i])</c>.</summary>
    void Map<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> result)
        where TOp : struct, ITernaryElementwiseOp;

    #region Device residency and batched products (the ILGPU storage and transfer layer; see Ilgpu/IlgpuBackend.Residency.cs)

    /// <summary>
    /// Declares <paramref name="array"/> constant for this backend's lifetime (a weight or a cached weight variant:
    /// never modified afterwards). A device backend uploads it once, on first use, and serves any operand span that
    /// lies inside it from the device copy; the CPU backend does nothing.
    /// </summary>
    void DeclareConstant(float[] array)
    {
    }

    /// <summary>
    /// <paramref name="batch"/> independent GEMMs in one call: <c>C_z = op(A_z) · op(B_z) + beta · C_z</c> with
    /// <c>A_z</c> at <c>z · strideA</c> in <paramref name="a"/>, <c>B_z</c> at <c>z · strideB</c>, <c>C_z</c> at
    /// <c>z · strideC</c> (layouts as in <see cref="Gemm"/>). A stride of 0 shares that operand across the batch
    /// (A and B only). The attention products of every head and sample run as one call.
    /// </summary>
    void GemmStridedBatched(bool transA, bool transB, int m, int n, int k, int batch, ReadOnlySpan<float> a, int strideA, ReadOnlySpan<float> b, int strideB, Span<float> c, int strideC, float beta = 0f);

    #endregion
}
