using Microsoft.ML.Lrp.Backends.Bodies;
using Microsoft.ML.Lrp.Backends.Cpu.Bodies;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>The rule bodies of <see cref="CpuBackend"/>: the rules' former loops, unchanged, in <c>Cpu/Bodies</c>.</summary>
internal sealed partial class CpuBackend
{
    /// <inheritdoc/>
    public bool CanBindConvolutions => OrtConvKernels.Enabled;

    /// <inheritdoc/>
    public float Min(ReadOnlySpan<float> x) => RowReductions.Min(x);

    /// <inheritdoc/>
    public float Max(ReadOnlySpan<float> x) => RowReductions.Max(x);

    /// <inheritdoc/>
    public void RowSums(ReadOnlySpan<float> x, int rows, Span<double> sums) => RowReductions.Sums(x, rows, sums);

    /// <inheritdoc/>
    public void RowSumsInto(float[] x, int rows, float[] sums) => RowReductions.SumsToFloat(x, rows, sums);

    /// <inheritdoc/>
    public void PrefixSums(float[] x, int outer, int length, int inner, bool exclusive, bool reverse, float[] y)
        => PrefixSumKernel.Run(x, outer, length, inner, exclusive, reverse, y);

    /// <inheritdoc/>
    public void RowDots(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int rows, Span<double> dots) => RowReductions.Dots(a, b, rows, dots);

    /// <inheritdoc/>
    public (double[] RelevanceSums, double[] Dots) ChannelQuotient(float[] relevance, float[] z, ReadOnlySpan<float> bias, int batch, float epsilon, float[] s)
        => Bodies.ChannelQuotient.Run(relevance, z, bias, batch, epsilon, s);

    /// <inheritdoc/>
    public (double[] RelevanceSums, double[] Dots) DenseQuotient(float[] relevance, float[] z, float[] bias, int batch, float epsilon, float[] s)
        => Bodies.DenseQuotient.Run(relevance, z, bias, batch, epsilon, s);

    /// <inheritdoc/>
    public (double[] RelevanceSums, double[] Dots) GammaQuotient(GammaQuotientPlan plan, float[] relevance, float[] z, float[] t, float[] biases, float[] u, float[]? u2)
        => Bodies.GammaQuotient.Run(plan, relevance, z, t, biases, u, u2);

    /// <inheritdoc/>
    public void AddChannelBias(ReadOnlySpan<float> z, ReadOnlySpan<float> bias, int inner, Span<float> result) => ChannelBias.Add(z, bias, inner, result);

    /// <inheritdoc/>
    public IBoundConvolution? BindConvolution(ConvGeometry g, bool transpose, float[] weight)
        => OrtConvKernels.Bind(g, transpose, weight) is { } session ? new OrtBoundConvolution(session, transpose) : null;

    /// <inheritdoc/>
    public IBoundDense? BindDense(float[] weight, int outFeatures, int inFeatures)
        => OrtConvKernels.Enabled && weight.Length == (long)outFeatures * inFeatures && weight.Length <= OrtBoundDense.MaxWeights
            ? new OrtBoundDense(weight, outFeatures, inFeatures)
            : null;

    /// <inheritdoc/>
    public void FlatQuotient(float[] relevance, int batch, int outChannels, float[] z, float epsilon, float[] quotient, double[] absorbed)
        => FlatKernels.Quotient(relevance, batch, outChannels, z, epsilon, quotient, absorbed);

    /// <inheritdoc/>
    public void ConvBackwardDataOnes(ConvGeometry single, float[] dy, float[] dx)
    {
        if (OnesKernelTranspose.Applies(single))
        {
            // Separable on the CPU; every element is written.
            OnesKernelTranspose.Run(single, dy, dx);
            return;
        }

        var ones = new float[single.KernelSize];
        Array.Fill(ones, 1f);
        ConvBackwardData(single, dy, ones, dx);
    }

    /// <inheritdoc/>
    public void RepeatPlanes(float[] plane, int batch, int channels, int size, float[] result) => FlatKernels.RepeatPlanes(plane, batch, channels, size, result);

    /// <inheritdoc/>
    public float[]?[] NormSum(NormSumPlan plan, float[] relevance, float epsilon, double[] absorbedPerRow, bool reuseRelevance)
        => NormSumKernel.Run(plan, relevance, epsilon, absorbedPerRow, reuseRelevance);

    /// <inheritdoc/>
    public void ReductionNorm(float[] x, float[] r, int outer, int mid, int inner, float scale, float epsilon, float[] rx, float[] absorbed)
        => ReductionNormKernel.Run(x, r, outer, mid, inner, scale, epsilon, rx, absorbed);

    /// <inheritdoc/>
    public void MaxPoolScatter(PoolGeometry g, float[] x, float[] r, float[] rx) => MaxPoolWinners.Scatter(g, x, r, rx);

    /// <inheritdoc/>
    public void GlobalMaxScatter(float[] x, float[] r, int planes, float[] rx) => GlobalMaxKernels.Scatter(x, r, planes, rx);

    /// <inheritdoc/>
    public void StridedCopy(int offset, int[] shape, int[] strides, float[] source, float[] y, bool scatter)
        => Bodies.StridedCopy.Run(offset, shape, strides, source, y, scatter);

    /// <inheritdoc/>
    public void BatchedMatMul(MatMulBatch g, float[] a, float[] b, float[] z) => MatMulKernels.Multiply(g, this, a, b, z);

    /// <inheritdoc/>
    public void BilinearShares(MatMulBatch g, float[] a, float[] b, float[] s, float[]? ra, float[]? rb) => MatMulKernels.Shares(g, this, a, b, s, ra, rb);

    /// <inheritdoc/>
    public bool BilinearFusable(MatMulBatch g, bool aCarries, bool bCarries) => BilinearFusedKernel.Applies(g, aCarries, bCarries);

    /// <inheritdoc/>
    public double[] BilinearFused(MatMulBatch g, float[] a, float[] b, float[] r, float factor, float epsilon, float[]? ra, float[]? rb)
        => BilinearFusedKernel.Run(g, this, a, b, r, factor, epsilon, ra, rb);

    /// <inheritdoc/>
    public void SoftmaxRelevanceLastAxis(float[] x, float[] y, float[] r, float[] rx, int length, double[] absorbedPerRow)
        => SoftmaxRelevanceKernel.LastAxis(x, y, r, rx, length, absorbedPerRow);

    /// <inheritdoc/>
    public void SoftmaxRelevance(float[] x, float[] y, float[] r, int outer, int length, int inner, float[] rx, float[] absorbed)
        => SoftmaxRelevanceKernel.Strided(x, y, r, outer, length, inner, rx, absorbed);

    /// <inheritdoc/>
    public void LayerNormRelevance(float[] x, float[] w, float[]? bias, float[] r, int length, double epsilonNorm, double stabiliser, bool centered, float[] rx, float[] absorbed)
        => LayerNormRelevanceKernel.Run(x, w, bias, r, length, epsilonNorm, stabiliser, centered, rx, absorbed);

    /// <inheritdoc/>
    public void Softmax(float[] x, float[] y, int outer, int length, int inner) => SoftmaxKernel.Run(x, y, outer, length, inner);

    /// <inheritdoc/>
    public void LayerNorm(float[] x, float[] scale, float[]? bias, int size, float epsilon, bool centered, float[] y)
        => LayerNormKernel.Run(x, scale, bias, size, epsilon, centered, y);

    /// <inheritdoc/>
    public void Unary(UnaryFunction f, float[] x, float[] y) => ReplayKernels.Unary(f, x, y);

    /// <inheritdoc/>
    public void Extremum(bool max, float[] a, float[] b, float[] y) => ReplayKernels.Extremum(max, a, b, y);

    /// <inheritdoc/>
    public void BroadcastArithmetic(ArithmeticOp op, float[] a, float[] b, int[] bShape, float[] y, int[] outShape)
        => BroadcastArithmeticKernel.Run(op, a, b, bShape, y, outShape);

    /// <inheritdoc/>
    public void ChannelAffine(float[] x, float[] scale, float[] shift, int inner, float[] y) => ReplayKernels.ChannelAffine(x, scale, shift, inner, y);

    /// <inheritdoc/>
    public void MaxPoolValues(PoolGeometry g, float[] x, float[] y) => MaxPoolWinners.Values(g, x, y);

    /// <inheritdoc/>
    public void GlobalPool(float[] x, int planes, bool max, float[] y) => GlobalMaxKernels.Pool(x, planes, max, y);

    /// <inheritdoc/>
    public void GatherByMap(int[] map, float[] x, float padValue, float[] y) => ReplayKernels.GatherByMap(map, x, padValue, y);

    /// <inheritdoc/>
    public void Permute(int[] map, float[] r, float[] y) => ReplayKernels.Permute(map, r, y);

    /// <inheritdoc/>
    public float[]? ScatterAddByMap(int[] map, float[] r, float[] y) => ReplayKernels.ScatterAdd(map, r, y);

    /// <inheritdoc/>
    public void GatherRows(int[] rows, int length, float[] x, float[] y) => ReplayKernels.GatherRows(rows, length, x, y);

    /// <inheritdoc/>
    public int[]? NonZeroRows(float[] x, int rows, int maxRows) => RowReductions.NonZeroRows(x, rows, maxRows);

    /// <inheritdoc/>
    public void ScatterAddRows(int[] rows, int length, float[] r, float[] y) => ReplayKernels.ScatterAddRows(rows, length, r, y);
}
