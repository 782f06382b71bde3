namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Unfolds convolution windows into a column matrix and folds them back. For <c>channels</c> input planes the
/// matrix has <c>channels · KernelSize</c> rows (channel-major, then kernel offsets) and <c>OutSize</c> columns;
/// out-of-bounds (padding) reads are zeros. <see cref="Fold"/> is the exact transpose of <see cref="Unfold"/>.
/// </summary>
internal static unsafe class Im2Col
{
    private const long ParallelThreshold = 1L << 18;

    /// <summary>col[(c, kernel offset), out position] = x[c, input position] (0 in padding).</summary>
    public static void Unfold(in SpatialShape3 s, float* x, int channels, float* col, int maxThreads)
    {
        int ks = s.KernelSize, inSize = s.InSize, outSize = s.OutSize;
        int rows = channels * ks;
        SpatialShape3 shape = s;
        if (maxThreads <= 1 || (long)rows * outSize < ParallelThreshold)
        {
            for (int r = 0; r < rows; r++)
            {
                UnfoldRow(shape, x + ((long)(r / ks) * inSize), r % ks, col + ((long)r * outSize));
            }

            return;
        }

        Parallel.For(
            0,
            rows,
            new ParallelOptions { MaxDegreeOfParallelism = maxThreads },
            r => UnfoldRow(shape, x + ((long)(r / ks) * inSize), r % ks, col + ((long)r * outSize)));
    }

    /// <summary>x[c, input position] += Σ col[(c, kernel offset), out position] over the windows reading it; x is overwritten.</summary>
    public static void Fold(in SpatialShape3 s, float* col, int channels, float* x, int maxThreads)
    {
        int ks = s.KernelSize, inSize = s.InSize, outSize = s.OutSize;
        SpatialShape3 shape = s;
        if (maxThreads <= 1 || (long)channels * ks * outSize < ParallelThreshold)
        {
            for (int c = 0; c < channels; c++)
            {
                FoldChannel(shape, col + ((long)c * ks * outSize), x + ((long)c * inSize));
            }

            return;
        }

        Parallel.For(
            0,
            channels,
            new ParallelOptions { MaxDegreeOfParallelism = maxThreads },
            c => FoldChannel(shape, col + ((long)c * ks * outSize), x + ((long)c * inSize)));
    }

    private static void UnfoldRow(in SpatialShape3 s, float* plane, int kernelOffset, float* dst)
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
        for (int od = 0; od < outD; od++)
        {
            for (int oh = 0; oh < outH; oh++)
            {
                float* d = dst + ((((long)od * outH) + oh) * outW);
                if (od < dLo || od >= dHi || oh < hLo || oh >= hHi)
                {
                    new Span<float>(d, outW).Clear();
                    continue;
                }

                float* src = plane + ((((long)s.InputIndex(0, od, kd) * inH) + s.InputIndex(1, oh, kh)) * inW);
                for (int ow = 0; ow < wLo; ow++)
                {
                    d[ow] = 0f;
                }

                int iw = s.InputIndex(2, wLo, kw);
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

    private static void FoldChannel(in SpatialShape3 s, float* colRows, float* plane)
    {
        new Span<float>(plane, s.InSize).Clear();
        int outW = s.Out[2], outH = s.Out[1], outD = s.Out[0];
        int inW = s.In[2], inH = s.In[1];
        int strideW = s.Stride[2];
        int outSize = s.OutSize;
        for (int kd = 0; kd < s.Kernel[0]; kd++)
        {
            (int dLo, int dHi) = s.ValidOutputs(0, kd);
            for (int kh = 0; kh < s.Kernel[1]; kh++)
            {
                (int hLo, int hHi) = s.ValidOutputs(1, kh);
                for (int kw = 0; kw < s.Kernel[2]; kw++, colRows += outSize)
                {
                    (int wLo, int wHi) = s.ValidOutputs(2, kw);
                    for (int od = dLo; od < dHi; od++)
                    {
                        for (int oh = hLo; oh < hHi; oh++)
                        {
                            float* src = colRows + ((((long)od * outH) + oh) * outW);
                            float* dst = plane + ((((long)s.InputIndex(0, od, kd) * inH) + s.InputIndex(1, oh, kh)) * inW);
                            int iw = s.InputIndex(2, wLo, kw);
                            if (strideW == 1)
                            {
                                var target = new Span<float>(dst + iw, wHi - wLo);
                                System.Numerics.Tensors.TensorPrimitives.Add(target, new ReadOnlySpan<float>(src + wLo, wHi - wLo), target);
                            }
                            else
                            {
                                for (int ow = wLo; ow < wHi; ow++, iw += strideW)
                                {
                                    dst[iw] += src[ow];
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
