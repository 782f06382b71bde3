using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// The data-movement halves of im2col convolution on ILGPU: unfolding input windows into columns, the transposed
/// gather (col2im, one thread per input element, no atomics) and the per-channel bias.
/// </summary>
internal static class ConvolutionKernels
{
    /// <summary>
    /// cols[n, c·K + k, o] = x[n, c, window(o) + k] (0 in padding), for the samples of one chunk; one thread per
    /// column element.
    /// </summary>
    public static void Im2Col(Index1D index, ArrayView<float> x, ArrayView<float> cols, WindowShape s, int channels)
    {
        int outSize = s.OutSize, kernelSize = s.KernelSize;
        int o = index % outSize;
        int rest = index / outSize;
        int k = rest % kernelSize;
        int plane = rest / kernelSize;
        int ow = o % s.OutW, oh = (o / s.OutW) % s.OutH, od = o / (s.OutW * s.OutH);
        int kw = k % s.KW, kh = (k / s.KW) % s.KH, kd = k / (s.KW * s.KH);
        int d = (od * s.StrideD) - s.PadD + (kd * s.DilD);
        int h = (oh * s.StrideH) - s.PadH + (kh * s.DilH);
        int w = (ow * s.StrideW) - s.PadW + (kw * s.DilW);
        float value = 0f;
        if (d >= 0 && d < s.InD && h >= 0 && h < s.InH && w >= 0 && w < s.InW)
        {
            value = x[((long)plane * s.InSize) + (((d * s.InH) + h) * s.InW) + w];
        }

        cols[index] = value;
    }

    /// <summary>dx[n, c, i] = Σ_k cols[n, c·K + k, o(i, k)] over the kernel offsets whose window covers i.</summary>
    public static void Col2Im(Index1D index, ArrayView<float> cols, ArrayView<float> dx, WindowShape s)
    {
        int inSize = s.InSize, outSize = s.OutSize;
        int i = index % inSize;
        int plane = index / inSize;
        int w = i % s.InW, h = (i / s.InW) % s.InH, d = i / (s.InW * s.InH);
        float sum = 0f;
        long planeBase = (long)plane * s.KernelSize * outSize;
        for (int kd = 0; kd < s.KD; kd++)
        {
            int od = WindowShape.OutputAt(d, kd, s.StrideD, s.PadD, s.DilD, s.OutD);
            if (od < 0)
            {
                continue;
            }

            for (int kh = 0; kh < s.KH; kh++)
            {
                int oh = WindowShape.OutputAt(h, kh, s.StrideH, s.PadH, s.DilH, s.OutH);
                if (oh < 0)
                {
                    continue;
                }

                for (int kw = 0; kw < s.KW; kw++)
                {
                    int ow = WindowShape.OutputAt(w, kw, s.StrideW, s.PadW, s.DilW, s.OutW);
                    if (ow >= 0)
                    {
                        int k = (((kd * s.KH) + kh) * s.KW) + kw;
                        int o = (((od * s.OutH) + oh) * s.OutW) + ow;
                        sum += cols[planeBase + ((long)k * outSize) + o];
                    }
                }
            }
        }

        dx[index] = sum;
    }

    /// <summary>y[n, m, o] += bias[m].</summary>
    public static void AddBias(Index1D index, ArrayView<float> y, ArrayView<float> bias, int outSize, int channels)
    {
        int m = (index / outSize) % channels;
        y[index] += bias[m];
    }
}
