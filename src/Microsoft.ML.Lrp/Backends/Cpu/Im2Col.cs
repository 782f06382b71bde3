using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Unfolds convolution windows into a column matrix and folds them back. For <c>channels</c> input planes the
/// matrix has <c>channels · KernelSize</c> rows (channel-major, then kernel offsets) and <c>OutSize</c> columns;
/// out-of-bounds (padding) reads are zeros. <see cref="Fold(in SpatialShape3, float*, int, float*, int)"/> is the exact transpose of <see cref="Unfold(in SpatialShape3, float*, int, float*, int)"/>.
/// </summary>
internal static unsafe class Im2Col
{
    private const long ParallelThreshold = 1L << 18;

    /// <summary>col[(c, kernel offset), out position] = x[c, input position] (0 in padding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unfold(in SpatialShape3 s, float* x, int channels, float* col, int maxThreads)
    {
        Unfold(s, x, channels, col, s.OutSize, maxThreads);
    }

    /// <summary>
    /// <see cref="Unfold(in SpatialShape3, float*, int, float*, int)"/> into a column block whose rows are
    /// <paramref name="rowStride"/> floats apart (one sample's columns of a batched column matrix).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unfold(in SpatialShape3 s, float* x, int channels, float* col, long rowStride, int maxThreads)
    {
        int ks = s.KernelSize, inSize = s.InSize, outSize = s.OutSize;
        int rows = channels * ks;
        SpatialShape3 shape = s;
        if (maxThreads <= 1 || (long)rows * outSize < ParallelThreshold)
        {
            for (int r = 0; r < rows; r++)
            {
                UnfoldRow(shape, x + ((long)(r / ks) * inSize), r % ks, col + (r * rowStride));
            }

            return;
        }

        Parallel.For(
            0,
            rows,
            new ParallelOptions { MaxDegreeOfParallelism = maxThreads },
            r => UnfoldRow(shape, x + ((long)(r / ks) * inSize), r % ks, col + (r * rowStride)));
    }

    /// <summary>x[c, input position] += Σ col[(c, kernel offset), out position] over the windows reading it; x is overwritten.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fold(in SpatialShape3 s, float* col, int channels, float* x, int maxThreads)
    {
        Fold(s, col, channels, x, s.OutSize, maxThreads);
    }

    /// <summary>
    /// <see cref="Fold(in SpatialShape3, float*, int, float*, int)"/> from a column block whose rows are
    /// <paramref name="rowStride"/> floats apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Fold(in SpatialShape3 s, float* col, int channels, float* x, long rowStride, int maxThreads)
    {
        int ks = s.KernelSize, inSize = s.InSize, outSize = s.OutSize;
        SpatialShape3 shape = s;
        if (maxThreads <= 1 || (long)channels * ks * outSize < ParallelThreshold)
        {
            for (int c = 0; c < channels; c++)
            {
                FoldChannel(shape, col + (c * ks * rowStride), x + ((long)c * inSize), rowStride);
            }

            return;
        }

        Parallel.For(
            0,
            channels,
            new ParallelOptions { MaxDegreeOfParallelism = maxThreads },
            c => FoldChannel(shape, col + (c * ks * rowStride), x + ((long)c * inSize), rowStride));
    }

    /// <summary>
    /// One row of the column matrix for kernel offset <paramref name="kernelOffset"/>: with
    /// <paramref name="accumulate"/> false, <c>dst[o] = plane[input(o)]</c> (0 in padding); with it true,
    /// <c>dst[o] += scale · plane[input(o)]</c> (a depthwise convolution's term, no column matrix).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void UnfoldRow(in SpatialShape3 s, float* plane, int kernelOffset, float* dst, bool accumulate = false, float scale = 1f)
    {
        int kw = kernelOffset % s.Kernel[2];
        int kh = kernelOffset / s.Kernel[2] % s.Kernel[1];
        int kd = kernelOffset / (s.Kernel[2] * s.Kernel[1]);
        int outW = s.Out[2], outH = s.Out[1], outD = s.Out[0];
        int inW = s.In[2], inH = s.In[1];
        int strideW = s.Stride[2];
        (int dLo, int dHi) = s.ValidOutputs(0, kd);
        (int hLo, int hHi) = s.ValidOutputs(1, kh);
        (int wLo, int wHi) = s.ValidOutputs(2, kw);
        for (int od = accumulate ? dLo : 0; od < (accumulate ? dHi : outD); od++)
        {
            for (int oh = accumulate ? hLo : 0; oh < (accumulate ? hHi : outH); oh++)
            {
                float* d = dst + ((((long)od * outH) + oh) * outW);
                if (od < dLo || od >= dHi || oh < hLo || oh >= hHi)
                {
                    new Span<float>(d, outW).Clear();
                    continue;
                }

                float* src = plane + ((((long)s.InputIndex(0, od, kd) * inH) + s.InputIndex(1, oh, kh)) * inW);
                int iw = s.InputIndex(2, wLo, kw);
                if (accumulate)
                {
                    if (strideW == 1)
                    {
                        var target = new Span<float>(d + wLo, wHi - wLo);
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(src + iw, wHi - wLo), scale, target, target);
                    }
                    else
                    {
                        for (int ow = wLo; ow < wHi; ow++, iw += strideW)
                        {
                            d[ow] += scale * src[iw];
                        }
                    }

                    continue;
                }

                for (int ow = 0; ow < wLo; ow++)
                {
                    d[ow] = 0f;
                }

                if (strideW == 1)
                {
                    new ReadOnlySpan<float>(src + iw, wHi - wLo).CopyTo(new Span<float>(d + wLo, wHi - wLo));
                }
                else
                {
                    for (int ow = wLo; ow < wHi; ow++, iw += strideW)
                    {
                        d[ow] = src[iw];
                    }
                }

                for (int ow = wHi; ow < outW; ow++)
                {
                    d[ow] = 0f;
                }
            }
        }
    }

    /// <summary>
    /// The transpose of <see cref="UnfoldRow"/> for one kernel offset: <c>plane[input(o)] += scale · src[o]</c>
    /// over the in-bounds outputs.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void FoldRow(in SpatialShape3 s, float* src, int kernelOffset, float* plane, float scale = 1f)
    {
        int kw = kernelOffset % s.Kernel[2];
        int kh = kernelOffset / s.Kernel[2] % s.Kernel[1];
        int kd = kernelOffset / (s.Kernel[2] * s.Kernel[1]);
        int outW = s.Out[2], outH = s.Out[1];
        int inW = s.In[2], inH = s.In[1];
        int strideW = s.Stride[2];
        (int dLo, int dHi) = s.ValidOutputs(0, kd);
        (int hLo, int hHi) = s.ValidOutputs(1, kh);
        (int wLo, int wHi) = s.ValidOutputs(2, kw);
        for (int od = dLo; od < dHi; od++)
        {
            for (int oh = hLo; oh < hHi; oh++)
            {
                float* row = src + ((((long)od * outH) + oh) * outW);
                float* dst = plane + ((((long)s.InputIndex(0, od, kd) * inH) + s.InputIndex(1, oh, kh)) * inW);
                int iw = s.InputIndex(2, wLo, kw);
                if (strideW == 1)
                {
                    var target = new Span<float>(dst + iw, wHi - wLo);
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(row + wLo, wHi - wLo), scale, target, target);
                }
                else
                {
                    for (int ow = wLo; ow < wHi; ow++, iw += strideW)
                    {
                        dst[iw] += scale * row[ow];
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FoldChannel(in SpatialShape3 s, float* colRows, float* plane, long rowStride)
    {
        new Span<float>(plane, s.InSize).Clear();
        int ks = s.KernelSize;
        for (int r = 0; r < ks; r++)
        {
            FoldRow(s, colRows + (r * rowStride), r, plane);
        }
    }
}
