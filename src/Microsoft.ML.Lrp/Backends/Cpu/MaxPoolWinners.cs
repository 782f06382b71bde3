using System.Runtime.CompilerServices;
using System.Buffers;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Max pooling through its winners (the first maximum of each window, as <see cref="PoolKernels.MaxArgmax"/> finds
/// it), fused per (sample, channel) plane so that a plane's winners are used while the plane is in cache and never
/// stored for the whole tensor: the pooled values (a replayed MaxPool), and winner-takes-all relevance.
/// </summary>
internal static unsafe class MaxPoolWinners
{
    /// <summary><c>y[o] = x[winner(o)]</c> (−∞ for a window wholly in padding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Values(PoolGeometry g, ReadOnlySpan<float> x, Span<float> y)
    {
        SpatialShape3 s = PoolKernels.Shape(g, x.Length, y.Length);
        fixed (float* px = x)
        fixed (float* py = y)
        {
            float* xp = px, yp = py;
            ForEachPlane(g, s, (plane, winners, scratch) =>
            {
                PoolKernels.PlaneArgmax(s, xp, plane, winners, scratch);
                float* target = yp + ((long)plane * s.OutSize);
                for (int o = 0; o < s.OutSize; o++)
                {
                    int w = winners[o];
                    target[o] = w < 0 ? float.NegativeInfinity : xp[w];
                }
            });
        }
    }

    /// <summary>
    /// Winner takes all: <paramref name="rx"/> (every element overwritten) gets each output's relevance
    /// <paramref name="r"/> at its window's winner, zero elsewhere.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scatter(PoolGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> r, Span<float> rx)
    {
        SpatialShape3 s = PoolKernels.Shape(g, x.Length, r.Length);
        if (rx.Length != x.Length)
        {
            throw new ArgumentException($"Relevance of {rx.Length} elements for a pooling input of {x.Length}.");
        }

        fixed (float* px = x)
        fixed (float* pr = r)
        fixed (float* prx = rx)
        {
            float* xp = px, rp = pr, rxp = prx;
            ForEachPlane(g, s, (plane, winners, scratch) =>
            {
                new Span<float>(rxp + ((long)plane * s.InSize), s.InSize).Clear();
                PoolKernels.PlaneArgmax(s, xp, plane, winners, scratch);
                float* source = rp + ((long)plane * s.OutSize);
                for (int o = 0; o < s.OutSize; o++)
                {
                    int w = winners[o];
                    if (w >= 0)
                    {
                        rxp[w] += source[o];
                    }
                }
            });
        }
    }

    /// <summary>Runs <paramref name="body"/> per plane (in parallel when large) with winner and scratch buffers.</summary>
    private static void ForEachPlane(PoolGeometry g, SpatialShape3 s, PlaneBody body)
    {
        int planes = g.Batch * g.Channels;
        int scratchLength = PoolKernels.PlaneScratchFloats(s);
        int winnersLength = Math.Max(1, s.OutSize);
        if ((long)planes * s.InSize < (1L << 16) || Environment.ProcessorCount == 1)
        {
            Buffers local = new(winnersLength, scratchLength);
            for (int p = 0; p < planes; p++)
            {
                local.Run(body, p);
            }

            local.Return();
            return;
        }

        Parallel.For(
            0,
            planes,
            CpuParallel.Options,
            () => new Buffers(winnersLength, scratchLength),
            (p, _, local) =>
            {
                local.Run(body, p);
                return local;
            },
            local => local.Return());
    }

    /// <summary>One worker's pooled winner and scratch arrays.</summary>
    private sealed class Buffers(int winnersLength, int scratchLength)
    {
        private readonly int[] winners = ArrayPool<int>.Shared.Rent(winnersLength);
        private readonly float[] scratch = ArrayPool<float>.Shared.Rent(scratchLength);

        public void Run(PlaneBody body, int plane)
        {
            fixed (int* wp = winners)
            fixed (float* sp = scratch)
            {
                body(plane, wp, sp);
            }
        }

        public void Return()
        {
            ArrayPool<int>.Shared.Return(winners);
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    private delegate void PlaneBody(int plane, int* winners, float* scratch);
}
