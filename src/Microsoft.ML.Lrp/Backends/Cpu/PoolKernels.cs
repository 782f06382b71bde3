using System.Buffers;
using System.Runtime.CompilerServices;

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AverageForward(PoolGeometry g, ReadOnlySpan<float> x, Span<float> y)
    {
        SpatialShape3 s = Shape(g, x.Length, y.Length);
        bool includePad = g.CountIncludePad;
        fixed (float* px = x)
        fixed (float* py = y)
        {
            float* xp = px, yp = py;
            ForEachPlane(g, s, plane =>
            {
                var visitor = new AverageForwardVisitor(xp + ((long)plane * s.InSize), yp + ((long)plane * s.OutSize), includePad ? s.KernelSize : 0);
                PoolWindowSweep.Run(s, ref visitor);
            });
        }
    }

    /// <summary>See <see cref="IRelevanceBackend.AveragePoolBackward"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AverageBackward(PoolGeometry g, ReadOnlySpan<float> dy, Span<float> dx)
    {
        SpatialShape3 s = Shape(g, dx.Length, dy.Length);
        bool includePad = g.CountIncludePad;
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        {
            float* dyp = pdy, dxp = pdx;
            ForEachPlane(g, s, plane =>
            {
                float* dxs = dxp + ((long)plane * s.InSize);
                new Span<float>(dxs, s.InSize).Clear();
                var visitor = new AverageBackwardVisitor(dyp + ((long)plane * s.OutSize), dxs, includePad ? s.KernelSize : 0);
                PoolWindowSweep.Run(s, ref visitor);
            });
        }
    }

    /// <summary>See <see cref="IRelevanceBackend.MaxPoolArgmax"/>; a window entirely in padding gets -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaxArgmax(PoolGeometry g, ReadOnlySpan<float> x, Span<int> argmax)
    {
        SpatialShape3 s = Shape(g, x.Length, argmax.Length);
        fixed (float* px = x)
        fixed (int* pa = argmax)
        {
            float* xp = px;
            int* ap = pa;
            bool plain2D = MaxArgmaxSeparable.Applies(s);
            if (plain2D)
            {
                int scratchLength = MaxArgmaxSeparable.ScratchFloats(s);
                ForEachPlane(g, s, plane =>
                {
                    float[] scratch = ArrayPool<float>.Shared.Rent(scratchLength);
                    long offset = (long)plane * s.InSize;
                    fixed (float* sp = scratch)
                    {
                        MaxArgmaxSeparable.Plane(s, xp + offset, ap + ((long)plane * s.OutSize), (int)offset, sp);
                    }

                    ArrayPool<float>.Shared.Return(scratch);
                });
                return;
            }

            ForEachPlane(g, s, plane =>
            {
                long offset = (long)plane * s.InSize;
                var visitor = new ArgmaxVisitor(xp + offset, ap + ((long)plane * s.OutSize), (int)offset);
                PoolWindowSweep.Run(s, ref visitor);
            });
        }
    }

    /// <summary>
    /// The winners of one plane (<c>plane · InSize + argmax</c> within <paramref name="x"/>, or −1), written to
    /// <paramref name="argmax"/>; <paramref name="scratch"/> holds at least <see cref="PlaneScratchFloats"/> floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PlaneArgmax(in SpatialShape3 s, float* x, int plane, int* argmax, float* scratch)
    {
        long offset = (long)plane * s.InSize;
        if (MaxArgmaxSeparable.Applies(s))
        {
            MaxArgmaxSeparable.Plane(s, x + offset, argmax, (int)offset, scratch);
            return;
        }

        var visitor = new ArgmaxVisitor(x + offset, argmax, (int)offset);
        PoolWindowSweep.Run(s, ref visitor);
    }

    /// <summary>Floats of scratch <see cref="PlaneArgmax"/> needs.</summary>
    internal static int PlaneScratchFloats(in SpatialShape3 s) => MaxArgmaxSeparable.Applies(s) ? MaxArgmaxSeparable.ScratchFloats(s) : 1;

    /// <summary>The spatial shape of <paramref name="g"/>, checked against the tensor lengths.</summary>
    internal static SpatialShape3 Shape(PoolGeometry g, int inLength, int outLength)
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

        Parallel.For(0, planes, CpuParallel.Options, body);
    }

    /// <summary>y[o] = Σ window / divisor (divisor 0: the in-bounds count).</summary>
    private struct AverageForwardVisitor(float* x, float* y, int divisor) : IPoolWindowVisitor
    {
        private float sum;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Start(int output, int inBounds)
        {
            sum = 0f;
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Element(int input) => sum += x[input];

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Finish(int output, int inBounds)
        {
            int count = divisor != 0 ? divisor : inBounds;
            y[output] = count == 0 ? 0f : sum / count;
        }
    }

    /// <summary>dx[window] += dy[o] / divisor (divisor 0: the in-bounds count).</summary>
    private struct AverageBackwardVisitor(float* dy, float* dx, int divisor) : IPoolWindowVisitor
    {
        private float share;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Start(int output, int inBounds)
        {
            int count = divisor != 0 ? divisor : inBounds;
            share = count == 0 ? 0f : dy[output] / count;
            return count != 0;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Element(int input) => dx[input] += share;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Finish(int output, int inBounds)
        {
        }
    }

    /// <summary>argmax[o] = offset + first index of the window maximum, or -1 for an all-padding window.</summary>
    private struct ArgmaxVisitor(float* x, int* argmax, int offset) : IPoolWindowVisitor
    {
        private int best;
        private float bestValue;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Start(int output, int inBounds)
        {
            best = -1;
            bestValue = float.NegativeInfinity;
            return true;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Element(int input)
        {
            float v = x[input];
            if (best < 0 || v > bestValue)
            {
                best = input;
                bestValue = v;
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Finish(int output, int inBounds) => argmax[output] = best < 0 ? -1 : offset + best;
    }
}
