using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// Pooling on ILGPU, one thread per output element (forward, winners) or per input element (the transposed
/// average, a gather without atomics). Divisors follow the CPU kernels: the full kernel size with
/// <c>count_include_pad</c>, else the window's in-bounds count (a window with none yields 0).
/// </summary>
internal static class PoolingKernels
{
    /// <summary>y[p, o] = Σ window / divisor.</summary>
    public static void AverageForward(Index1D index, ArrayView<float> x, ArrayView<float> y, WindowShape s, int includePad)
    {
        int outSize = s.OutSize;
        int o = index % outSize;
        int plane = index / outSize;
        int ow = o % s.OutW, oh = (o / s.OutW) % s.OutH, od = o / (s.OutW * s.OutH);
        long planeBase = (long)plane * s.InSize;
        float sum = 0f;
        int count = 0;
        for (int kd = 0; kd < s.KD; kd++)
        {
            int d = (od * s.StrideD) - s.PadD + (kd * s.DilD);
            for (int kh = 0; kh < s.KH; kh++)
            {
                int h = (oh * s.StrideH) - s.PadH + (kh * s.DilH);
                for (int kw = 0; kw < s.KW; kw++)
                {
                    int w = (ow * s.StrideW) - s.PadW + (kw * s.DilW);
                    if (d >= 0 && d < s.InD && h >= 0 && h < s.InH && w >= 0 && w < s.InW)
                    {
                        sum += x[planeBase + (((d * s.InH) + h) * s.InW) + w];
                        count++;
                    }
                }
            }
        }

        int divisor = includePad != 0 ? s.KernelSize : count;
        y[index] = divisor == 0 || count == 0 ? 0f : sum / divisor;
    }

    /// <summary>dx[p, i] = Σ dy[p, o] / divisor(o) over the windows o that contain i.</summary>
    public static void AverageBackward(Index1D index, ArrayView<float> dy, ArrayView<float> dx, WindowShape s, int includePad)
    {
        int inSize = s.InSize;
        int i = index % inSize;
        int plane = index / inSize;
        int w = i % s.InW, h = (i / s.InW) % s.InH, d = i / (s.InW * s.InH);
        long planeBase = (long)plane * s.OutSize;
        float sum = 0f;
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
                        int divisor = includePad != 0
                            ? s.KernelSize
                            : WindowShape.InBounds(od, s.KD, s.StrideD, s.PadD, s.DilD, s.InD)
                              * WindowShape.InBounds(oh, s.KH, s.StrideH, s.PadH, s.DilH, s.InH)
                              * WindowShape.InBounds(ow, s.KW, s.StrideW, s.PadW, s.DilW, s.InW);
                        int o = (((od * s.OutH) + oh) * s.OutW) + ow;
                        sum += dy[planeBase + o] / divisor;
                    }
                }
            }
        }

        dx[index] = sum;
    }

    /// <summary>argmax[p, o] = flat index in x of the window's first maximum, or -1 for an all-padding window.</summary>
    public static void MaxArgmax(Index1D index, ArrayView<float> x, ArrayView<int> argmax, WindowShape s)
    {
        int outSize = s.OutSize;
        int o = index % outSize;
        int plane = index / outSize;
        int ow = o % s.OutW, oh = (o / s.OutW) % s.OutH, od = o / (s.OutW * s.OutH);
        int planeBase = plane * s.InSize;
        int best = -1;
        float bestValue = float.NegativeInfinity;
        for (int kd = 0; kd < s.KD; kd++)
        {
            int d = (od * s.StrideD) - s.PadD + (kd * s.DilD);
            for (int kh = 0; kh < s.KH; kh++)
            {
                int h = (oh * s.StrideH) - s.PadH + (kh * s.DilH);
                for (int kw = 0; kw < s.KW; kw++)
                {
                    int w = (ow * s.StrideW) - s.PadW + (kw * s.DilW);
                    if (d >= 0 && d < s.InD && h >= 0 && h < s.InH && w >= 0 && w < s.InW)
                    {
                        int input = planeBase + (((d * s.InH) + h) * s.InW) + w;
                        float v = x[input];
                        if (best < 0 || v > bestValue)
                        {
                            best = input;
                            bestValue = v;
                        }
                    }
                }
            }
        }

        argmax[index] = best;
    }
}
