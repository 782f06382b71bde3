namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// N-d average and max pooling over the windows of a <see cref="PoolGeometry"/>, one (sample, channel) plane per
/// parallel work item. With <see cref="PoolGeometry.CountIncludePad"/> the average divides by the full kernel size,
/// otherwise by the number of in-bounds window elements (a window with none yields 0).
/// </summary>
internal static unsafe class PoolKernels
{
    private const long ParallelThreshold = 1L << 16;

    /// <summary>See <see cref="IRelevanceBackend.AveragePoolForward"/>.</summary>
    public static void AverageForward(PoolGeometry g, ReadOnlySpan<float> x, Span<float> y)
    {
        var s = Shape(g, x.Length, y.Length);
        bool includePad = g.CountIncludePad;
        fixed (float* px = x)
        fixed (float* py = y)
        {
            float* xp = px, yp = py;
            ForEachPlane(g, s, plane =>
            {
                float* xs = xp + ((long)plane * s.InSize);
                float* ys = yp + ((long)plane * s.OutSize);
                ForEachWindow(s, (o, window) =>
                {
                    float sum = 0f;
                    int count = 0;
                    foreach (int i in window)
                    {
                        sum += xs[i];
                        count++;
                    }

                    int divisor = includePad ? s.KernelSize : count;
                    ys[o] = divisor == 0 ? 0f : sum / divisor;
                });
            });
        }
    }

    /// <summary>See <see cref="IRelevanceBackend.AveragePoolBackward"/>.</summary>
    public static void AverageBackward(PoolGeometry g, ReadOnlySpan<float> dy, Span<float> dx)
    {
        var s = Shape(g, dx.Length, dy.Length);
        bool includePad = g.CountIncludePad;
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        {
            float* dyp = pdy, dxp = pdx;
            ForEachPlane(g, s, plane =>
            {
                float* dxs = dxp + ((long)plane * s.InSize);
                float* dys = dyp + ((long)plane * s.OutSize);
                new Span<float>(dxs, s.InSize).Clear();
                ForEachWindow(s, (o, window) =>
                {
                    int divisor = includePad ? s.KernelSize : window.Count;
                    if (divisor == 0)
                    {
                        return;
                    }

                    float share = dys[o] / divisor;
                    foreach (int i in window)
                    {
                        dxs[i] += share;
                    }
                });
            });
        }
    }

    /// <summary>See <see cref="IRelevanceBackend.MaxPoolArgmax"/>; a window entirely in padding gets -1.</summary>
    public static void MaxArgmax(PoolGeometry g, ReadOnlySpan<float> x, Span<int> argmax)
    {
        var s = Shape(g, x.Length, argmax.Length);
        fixed (float* px = x)
        fixed (int* pa = argmax)
        {
            float* xp = px;
            int* ap = pa;
            ForEachPlane(g, s, plane =>
            {
                long offset = (long)plane * s.InSize;
                float* xs = xp + offset;
                int* winners = ap + ((long)plane * s.OutSize);
                ForEachWindow(s, (o, window) =>
                {
                    int best = -1;
                    float bestValue = float.NegativeInfinity;
                    foreach (int i in window)
                    {
                        if (best < 0 || xs[i] > bestValue)
                        {
                            best = i;
                            bestValue = xs[i];
                        }
                    }

                    winners[o] = best < 0 ? -1 : (int)(offset + best);
                });
            });
        }
    }

    private static SpatialShape3 Shape(PoolGeometry g, int inLength, int outLength)
    {
        var s = new SpatialShape3(g.InSpatial, g.KernelSpatial, g.OutSpatial, g.Strides, g.PadsBegin, g.Dilations);
        long planes = (long)g.Batch * g.Channels;
        if (inLength < planes * s.InSize || outLength < planes * s.OutSize)
        {
            throw new ArgumentException(
                $"Pooling tensors ({inLength} in, {outLength} out elements) are too short for {planes} planes of {s.InSize} → {s.OutSize}.");
        }

        return s;
    }

    private static void ForEachPlane(PoolGeometry g, SpatialShape3 s, Action<int> body)
    {
        int planes = g.Batch * g.Channels;
        if ((long)planes * s.OutSize * s.KernelSize < ParallelThreshold || Environment.ProcessorCount == 1)
        {
            for (int p = 0; p < planes; p++)
            {
                body(p);
            }

            return;
        }

        Parallel.For(0, planes, body);
    }

    /// <summary>Calls <paramref name="body"/>(output index, in-bounds input indices of its window) for every output.</summary>
    private static void ForEachWindow(SpatialShape3 s, Action<int, PoolWindow> body)
    {
        int o = 0;
        for (int od = 0; od < s.Out[0]; od++)
        {
            for (int oh = 0; oh < s.Out[1]; oh++)
            {
                for (int ow = 0; ow < s.Out[2]; ow++, o++)
                {
                    body(o, new PoolWindow(s, od, oh, ow));
                }
            }
        }
    }
}
