using System.Runtime.CompilerServices;
using Microsoft.ML.Lrp.Backends.Bodies;

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
    /// Declares the index map <paramref name="array"/> constant for this backend's lifetime (a routing, fast-forward or
    /// broadcast map built once per batch shape and kept by its owner: never modified afterwards). A device backend
    /// uploads it once, on first use as a whole-array operand; the CPU backend does nothing.
    /// </summary>
    void DeclareConstant(int[] array)
    {
    }

    /// <summary>
    /// Whether tensor data always lives in host memory (the CPU backend). False for a device backend with a pass
    /// workspace: an operation's result may then be valid on the device only, and host code that reads tensor data
    /// calls <see cref="ToHost"/> first and <see cref="HostWrote"/> after writing it.
    /// </summary>
    bool HostResident => true;

    /// <summary>
    /// Opens the device workspace of one relevance pass on this thread (dispose it when the pass ends): the pass's
    /// tensor buffers (from <c>Tensors/TensorArena</c>) get device mirrors, results stay on the device, and a
    /// buffer's mirror is recycled when the schedule releases it. Null on the CPU backend.
    /// </summary>
    IDisposable? BeginPass() => null;

    /// <summary>
    /// Declares that host code is about to read <paramref name="data"/> (a span of a tensor buffer): a device backend
    /// copies its buffer back when the device holds the only valid copy. Nothing on the CPU backend.
    /// </summary>
    /// <param name="data">The span host code reads.</param>
    /// <param name="reader">The reading member (the traffic meter names round trips by it); <c>"export"</c> for the pass's result.</param>
    /// <param name="file">The reading member's source file.</param>
    void ToHost(ReadOnlySpan<float> data, [CallerMemberName] string reader = "", [CallerFilePath] string file = "")
    {
    }

    /// <summary>
    /// Declares that host code wrote <paramref name="data"/>: a device backend treats its buffer's host copy as the
    /// valid one (uploaded again on its next device use). Call <see cref="ToHost"/> before writing part of a buffer
    /// whose data lives on the device. Nothing on the CPU backend.
    /// </summary>
    /// <param name="data">The span host code wrote.</param>
    /// <param name="writer">The writing member (the traffic meter names round trips by it); <c>"import"</c> for the pass's inputs (the input, captured activations, the seed).</param>
    /// <param name="file">The writing member's source file.</param>
    void HostWrote(ReadOnlySpan<float> data, [CallerMemberName] string writer = "", [CallerFilePath] string file = "")
    {
    }

    /// <summary><c>data = 0</c> (on a device backend, on the device when <paramref name="data"/> is a tensor buffer of the pass).</summary>
    void Clear(Span<float> data) => data.Clear();

    /// <summary><c>destination = source</c> (equal lengths; on a device backend, on the device when the buffers are the pass's).</summary>
    void Copy(ReadOnlySpan<float> source, Span<float> destination) => source.CopyTo(destination);

    /// <summary>
    /// <paramref name="batch"/> independent GEMMs in one call: <c>C_z = op(A_z) · op(B_z) + beta · C_z</c> with
    /// <c>A_z</c> at <c>z · strideA</c> in <paramref name="a"/>, <c>B_z</c> at <c>z · strideB</c>, <c>C_z</c> at
    /// <c>z · strideC</c> (layouts as in <see cref="Gemm"/>). A stride of 0 shares that operand across the batch
    /// (A and B only). The attention products of every head and sample run as one call.
    /// </summary>
    void GemmStridedBatched(bool transA, bool transB, int m, int n, int k, int batch, ReadOnlySpan<float> a, int strideA, ReadOnlySpan<float> b, int strideB, Span<float> c, int strideC, float beta = 0f);

    #endregion

    #region Rule bodies: the fused relevance operations of the rules and replays (descriptors in Backends/Bodies)

    /// <summary>The smallest element of <paramref name="x"/> (+∞ when empty).</summary>
    float Min(ReadOnlySpan<float> x);

    /// <summary>The largest element of <paramref name="x"/> (−∞ when empty).</summary>
    float Max(ReadOnlySpan<float> x);

    /// <summary><c>sums[r] = Σ_j x[r, j]</c> in double, x seen as <paramref name="rows"/> equal rows.</summary>
    void RowSums(ReadOnlySpan<float> x, int rows, Span<double> sums);

    /// <summary>
    /// <c>sums[r] = Σ x[r, :]</c> over <paramref name="rows"/> equal rows, summed in double (or compensated) and rounded
    /// to float into a tensor of the pass (on a device backend it stays on the device).
    /// </summary>
    void RowSumsInto(float[] x, int rows, float[] sums);

    /// <summary>
    /// Prefix sums along the middle axis of x seen as <c>[outer, length, inner]</c>: <c>y[o, k, c] = Σ x[o, j, c]</c> over
    /// <c>j ≤ k</c> (<c>j &lt; k</c> when <paramref name="exclusive"/>; <c>j ≥ k</c> or <c>j &gt; k</c> when
    /// <paramref name="reverse"/>), each summed in double (or compensated) and rounded to float; y (not x) overwritten.
    /// </summary>
    void PrefixSums(float[] x, int outer, int length, int inner, bool exclusive, bool reverse, float[] y);

    /// <summary><c>dots[r] = Σ_j a[r, j] · b[r, j]</c>, a and b seen as <paramref name="rows"/> equal rows.</summary>
    void RowDots(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int rows, Span<double> dots);

    /// <summary>
    /// The fused quotient pass of a linear rule on channel planes <c>[N, C, inner]</c> (C = bias length):
    /// <c>s = R / stab(z + b_c)</c>, and per sample <c>Σ R</c> and <c>⟨s, z⟩</c> (z without bias).
    /// </summary>
    (double[] RelevanceSums, double[] Dots) ChannelQuotient(float[] relevance, float[] z, ReadOnlySpan<float> bias, int batch, float epsilon, float[] s);

    /// <summary>The fused quotient pass on dense rows <c>[rows, M]</c> (bias on the last axis); sums per sample as <see cref="ChannelQuotient"/>.</summary>
    (double[] RelevanceSums, double[] Dots) DenseQuotient(float[] relevance, float[] z, float[] bias, int batch, float epsilon, float[] s);

    /// <summary>
    /// The Gamma rule's fused quotient pass on a layer whose input has one sign (formulas and layouts in
    /// <see cref="GammaQuotientPlan"/>): from R, <c>z</c> (<c>W x</c>, or the output <c>W x + b</c>), <c>t = γW⁺x</c> and
    /// <paramref name="biases"/> <c>[b; bᵖ; bⁿ]</c>, writes the backward operands <c>u₁</c>, <c>u₂</c> and returns per sample
    /// <c>Σ R</c> and <c>⟨sP, P⟩ + ⟨sN, N⟩</c>. With <paramref name="u2"/> null, <paramref name="u"/> (twice R's length)
    /// holds both at the plan's <c>Block</c> layout; otherwise <c>u₁</c> goes to <paramref name="u"/> and <c>u₂</c> to
    /// <paramref name="u2"/> (each R's length).
    /// </summary>
    (double[] RelevanceSums, double[] Dots) GammaQuotient(GammaQuotientPlan plan, float[] relevance, float[] z, float[] t, float[] biases, float[] u, float[]? u2);

    /// <summary><c>result = z + bias[c]</c> with z seen as <c>[outer, C, inner]</c> (C = bias length); result may be z.</summary>
    void AddChannelBias(ReadOnlySpan<float> z, ReadOnlySpan<float> bias, int inner, Span<float> result);

    /// <summary>
    /// Binds a dense layer's transposed product to <paramref name="weight"/> (<c>[outFeatures, inFeatures]</c>, never
    /// modified while bound); null when the backend has no faster path than <see cref="Gemm"/>.
    /// </summary>
    IBoundDense? BindDense(float[] weight, int outFeatures, int inFeatures);

    /// <summary>Whether <see cref="BindConvolution"/> may bind anything now (false: callers use the span forms).</summary>
    bool CanBindConvolutions { get; }

    /// <summary>
    /// Binds a convolution (<paramref name="transpose"/>: its transposed map) of geometry <paramref name="g"/> (any
    /// batch) to an immutable <paramref name="weight"/> array; null when declined (the caller uses the span forms).
    /// </summary>
    IBoundConvolution? BindConvolution(ConvGeometry g, bool transpose, float[] weight);

    /// <summary>
    /// The Flat rule's quotient on an ungrouped convolution: <c>q[n, o] = (Σ_m R[n, m, o]) / stab(z[o])</c> for
    /// R <c>[N, M, out]</c>, adding <c>Σ R − Σ_o q·z</c> per sample to <paramref name="absorbed"/>.
    /// </summary>
    void FlatQuotient(float[] relevance, int batch, int outChannels, float[] z, float epsilon, float[] quotient, double[] absorbed);

    /// <summary>The transposed single-channel convolution with a kernel of ones: dy <c>[N, 1, out]</c> → dx <c>[N, 1, in]</c> (overwritten).</summary>
    void ConvBackwardDataOnes(ConvGeometry single, float[] dy, float[] dx);

    /// <summary><c>result[n, c, :] = plane[n, :]</c> for every channel c (result <c>[N, C, size]</c>, overwritten).</summary>
    void RepeatPlanes(float[] plane, int batch, int channels, int size, float[] result);

    /// <summary>
    /// The Norm rule on a broadcasting sum laid out by <paramref name="plan"/>: <c>s = R / stab(z)</c> per block, each
    /// relevant operand's share <c>sign · x · s</c> (summed over its broadcast blocks) in its own shape (null for the
    /// others), the absorbed own terms added per sample to <paramref name="absorbedPerRow"/>. With
    /// <paramref name="reuseRelevance"/> one share may be written over <paramref name="relevance"/>.
    /// </summary>
    float[]?[] NormSum(NormSumPlan plan, float[] relevance, float epsilon, double[] absorbedPerRow, bool reuseRelevance);

    /// <summary>
    /// The Norm rule of a sum over the mid axes of x <c>[outer, mid, inner]</c>: <c>a = scale · Σ_m x</c>,
    /// <c>s = R / stab(a)</c>, <c>rx = x · scale · s</c> and <c>absorbed = R − s · a</c> (both overwritten).
    /// </summary>
    void ReductionNorm(float[] x, float[] r, int outer, int mid, int inner, float scale, float epsilon, float[] rx, float[] absorbed);

    /// <summary>Winner takes all for MaxPool: <paramref name="rx"/> (overwritten) gets each output's relevance at its window's first maximum.</summary>
    void MaxPoolScatter(PoolGeometry g, float[] x, float[] r, float[] rx);

    /// <summary>Winner takes all for GlobalMaxPool: <paramref name="rx"/> (overwritten) gets <c>r[p]</c> at the first maximum of plane p.</summary>
    void GlobalMaxScatter(float[] x, float[] r, int planes, float[] rx);

    /// <summary>
    /// A copy through an affine view: <c>y[i] = source[offset + Σ iₐ · strideₐ]</c> over the elements i of
    /// <paramref name="shape"/>; with <paramref name="scatter"/> the reverse assignment into <paramref name="source"/>
    /// (the view must be injective; other elements are kept).
    /// </summary>
    void StridedCopy(int offset, int[] shape, int[] strides, float[] source, float[] y, bool scatter);

    /// <summary><c>z_i = A_i · B_i</c> for every matrix of <paramref name="g"/> (z overwritten).</summary>
    void BatchedMatMul(MatMulBatch g, float[] a, float[] b, float[] z);

    /// <summary>The bilinear shares per matrix: <c>R_A += A ⊙ s·Bᵀ</c> and <c>R_B += B ⊙ Aᵀ·s</c> (either may be null).</summary>
    void BilinearShares(MatMulBatch g, float[] a, float[] b, float[] s, float[]? ra, float[]? rb);

    /// <summary>Whether <see cref="BilinearFused"/> runs <paramref name="g"/> (the receiving operands are not broadcast, and the backend fuses such batches).</summary>
    bool BilinearFusable(MatMulBatch g, bool aCarries, bool bCarries);

    /// <summary>
    /// The whole bilinear rule per matrix: <c>z = factor · A·B</c>, <c>s = R / stab(z)</c>, the shares written into
    /// <paramref name="ra"/>/<paramref name="rb"/> (zeroed, either may be null); returns <c>Σ R − Σ s ⊙ z</c> per matrix.
    /// </summary>
    double[] BilinearFused(MatMulBatch g, float[] a, float[] b, float[] r, float factor, float epsilon, float[]? ra, float[]? rb);

    /// <summary>
    /// The AttnLRP softmax rule along the last axis (rows of <paramref name="length"/>): <c>R_x = x ⊙ (R − y ⊙ Σ R)</c>
    /// (0 where y is 0 or x is not finite), the Taylor-bias absorbed share summed per row. rx may be r.
    /// </summary>
    void SoftmaxRelevanceLastAxis(float[] x, float[] y, float[] r, float[] rx, int length, double[] absorbedPerRow);

    /// <summary>The AttnLRP softmax rule along an axis of <c>[outer, length, inner]</c>; rx and the per-element absorbed shares overwritten.</summary>
    void SoftmaxRelevance(float[] x, float[] y, float[] r, int outer, int length, int inner, float[] rx, float[] absorbed);

    /// <summary>
    /// The AttnLRP LayerNorm rule (σ constant) per group of <paramref name="length"/>: <c>s = R / stab(y)</c>,
    /// <c>R_x = (x/σ) ⊙ (w⊙s − mean(w⊙s))</c> (no mean when not <paramref name="centered"/>: RMSNorm), absorbed
    /// <c>R − s⊙y + s⊙b</c>; rx and absorbed overwritten.
    /// </summary>
    void LayerNormRelevance(float[] x, float[] w, float[]? bias, float[] r, int length, double epsilonNorm, double stabiliser, bool centered, float[] rx, float[] absorbed);

    /// <summary>Softmax forward along an axis of <c>[outer, length, inner]</c> (y overwritten), sums in double.</summary>
    void Softmax(float[] x, float[] y, int outer, int length, int inner);

    /// <summary>
    /// LayerNormalization forward over rows of <paramref name="size"/> elements: <c>y = (x − μ)·(1/√(var + ε))·scale + bias</c>
    /// (μ = 0 when not <paramref name="centered"/>: RMSNormalization); scale and bias have <paramref name="size"/> elements.
    /// </summary>
    void LayerNorm(float[] x, float[] scale, float[]? bias, int size, float epsilon, bool centered, float[] y);

    /// <summary><c>y = f(x)</c> element-wise for a function without an op struct (y may be x).</summary>
    void Unary(UnaryFunction f, float[] x, float[] y);

    /// <summary><c>y = max(a, b)</c> (<paramref name="max"/>) or <c>min(a, b)</c>; b has one element or a's length; y may be a.</summary>
    void Extremum(bool max, float[] a, float[] b, float[] y);

    /// <summary><c>y = a ∘ b</c> with a of the output's shape and b (<paramref name="bShape"/>) broadcast to <paramref name="outShape"/> (numpy rules).</summary>
    void BroadcastArithmetic(ArithmeticOp op, float[] a, float[] b, int[] bShape, float[] y, int[] outShape);

    /// <summary><c>y = x · scale[c] + shift[c]</c> on <c>[outer, C, inner]</c> (C = scale length).</summary>
    void ChannelAffine(float[] x, float[] scale, float[] shift, int inner, float[] y);

    /// <summary>Max pooling forward: <c>y[o] = x[winner(o)]</c> (−∞ for a window wholly in padding).</summary>
    void MaxPoolValues(PoolGeometry g, float[] x, float[] y);

    /// <summary>Global pooling: <c>y[p]</c> = the maximum (<paramref name="max"/>) or mean of plane p of x.</summary>
    void GlobalPool(float[] x, int planes, bool max, float[] y);

    /// <summary><c>y[i] = x[map[i]]</c>, or <paramref name="padValue"/> where <c>map[i] &lt; 0</c> (routing replays through an index map).</summary>
    void GatherByMap(int[] map, float[] x, float padValue, float[] y);

    /// <summary><c>y[map[i]] = r[i]</c> for a permutation <paramref name="map"/>.</summary>
    void Permute(int[] map, float[] r, float[] y);

    /// <summary><c>y[map[i]] += r[i]</c> where <c>map[i] ≥ 0</c>; returns the relevance of unmapped elements (null when none).</summary>
    float[]? ScatterAddByMap(int[] map, float[] r, float[] y);

    /// <summary>
    /// <c>y[j, :] = x[rows[j], :]</c> for rows of <paramref name="length"/> elements: the rows a rule keeps (y holds
    /// <c>rows.Length · length</c> elements, overwritten). The row list is per-row data, not an index map per element.
    /// </summary>
    void GatherRows(int[] rows, int length, float[] x, float[] y);

    /// <summary><c>y[rows[j], :] += r[j, :]</c> for distinct <paramref name="rows"/> of <paramref name="length"/> elements (the adjoint of <see cref="GatherRows"/>).</summary>
    void ScatterAddRows(int[] rows, int length, float[] r, float[] y);

    /// <summary>
    /// The rows of <paramref name="x"/> (<paramref name="rows"/> rows of equal length), in order, that hold any value
    /// other than zero (NaN counts as non-zero), or null as soon as more than <paramref name="maxRows"/> do: the rows a
    /// row-sparse product keeps (<see cref="GatherRows"/>). A dense tensor is recognised after reading
    /// <c>maxRows + 1</c> rows' first non-zero values.
    /// </summary>
    int[]? NonZeroRows(float[] x, int rows, int maxRows);

    #endregion
}
