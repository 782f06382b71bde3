using ILGPU;
using ILGPU.Runtime;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// Reductions and the linear rule's quotient passes of <see cref="IlgpuBackend"/> on the device
/// (<see cref="BodyKernels"/>: <c>Quotients</c>): a fixed number of launches whatever the batch, one thread per row,
/// and only the per-sample sums (high/low pairs, added in double here) come back besides the results.
/// </summary>
internal sealed partial class IlgpuBackend
{
    private const int SlotK0 = 40, SlotK1 = 41, SlotK2 = 42, SlotK3 = 43, SlotK4 = 44, SlotK5 = 45, SlotK6 = 46, SlotK7 = 47;

    /// <inheritdoc/>
    public float Min(ReadOnlySpan<float> x) => Extreme(x, max: false);

    /// <inheritdoc/>
    public float Max(ReadOnlySpan<float> x) => Extreme(x, max: true);

    /// <summary>Per-row sums: one thread per row, compensated, added in double on the host.</summary>
    public void RowSums(ReadOnlySpan<float> x, int rows, Span<double> sums) => RowReduce(x, default, rows, sums, dots: false);

    /// <summary>
    /// The rows' magnitudes summed on the device (an absolute-value map and <see cref="RowSums"/>, one scalar per row
    /// back to the host), then the list (or null) chosen on the host.
    /// </summary>
    public int[]? NonZeroRows(float[] x, int rows, int maxRows)
    {
        var magnitude = Tensors.TensorArena.Allocate(x.Length, clear: false);
        var sums = new double[rows];
        Map(new Rules.Bodies.AbsoluteValue(), x, magnitude);
        RowSums(magnitude, rows, sums);
        Tensors.TensorArena.Release(magnitude);
        var kept = new List<int>();
        for (int r = 0; r < rows; r++)
        {
            // NaN sums are not zero: such rows are kept.
            if (sums[r] != 0)
            {
                if (kept.Count == maxRows)
                {
                    return null;
                }

                kept.Add(r);
            }
        }

        return [.. kept];
    }

    /// <summary>Per-row sums into a tensor: one thread per row, compensated; the sums stay on the device.</summary>
    public void RowSumsInto(float[] x, int rows, float[] sums)
    {
        if (rows == 0)
        {
            return;
        }

        int length = x.Length / rows;
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var xv = Operand(SlotK0, x.AsSpan(0, rows * length));
            var yv = _pool.Floats(SlotK1, rows);
            Launched();
            Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, int>>(
                "row-sums-float", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(BodyKernels.RowSumsToFloat))(rows, xv, yv, length);
            Download(yv, sums.AsSpan(0, rows));
        }
    }

    /// <summary>Prefix sums: one thread per line, compensated in float; the result stays on the device inside a pass.</summary>
    public void PrefixSums(float[] x, int outer, int length, int inner, bool exclusive, bool reverse, float[] y)
    {
        int lines = outer * inner;
        if (lines == 0 || length == 0)
        {
            return;
        }

        int count = lines * length;
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var xv = Operand(SlotK0, x.AsSpan(0, count));
            var yv = _pool.Floats(SlotK1, count);
            Launched();
            Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int>>(
                "prefix-sums", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int>(BodyKernels.PrefixSums))(
                lines, xv, yv, length, inner, exclusive ? 1 : 0, reverse ? 1 : 0);
            Download(yv, y.AsSpan(0, count));
        }
    }

    /// <summary>Per-row dot products: one thread per row, compensated, added in double on the host.</summary>
    public void RowDots(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int rows, Span<double> dots) => RowReduce(a, b, rows, dots, dots: true);

    /// <summary>The fused quotient (one thread per plane) and the per-sample sums (one thread per sample).</summary>
    public (double[] RelevanceSums, double[] Dots) ChannelQuotient(float[] relevance, float[] z, ReadOnlySpan<float> bias, int batch, float epsilon, float[] s)
    {
        int planes = batch * bias.Length;
        return Quotient(relevance, z, bias, batch, planes, planes == 0 ? 0 : relevance.Length / planes, bias.Length, dense: false, epsilon, s);
    }

    /// <summary>The fused quotient (one thread per row) and the per-sample sums (one thread per sample).</summary>
    public (double[] RelevanceSums, double[] Dots) DenseQuotient(float[] relevance, float[] z, float[] bias, int batch, float epsilon, float[] s)
    {
        int m = bias.Length;
        return Quotient(relevance, z, bias, batch, m == 0 ? 0 : relevance.Length / m, m, m, dense: true, epsilon, s);
    }

    /// <summary>The Gamma rule's fused quotient (one thread per plane or row) and the per-sample sums (one thread per sample).</summary>
    public (double[] RelevanceSums, double[] Dots) GammaQuotient(Bodies.GammaQuotientPlan plan, float[] relevance, float[] z, float[] t, float[] biases, float[] u, float[]? u2)
    {
        int length = relevance.Length, channels = plan.Channels;
        var sums = new double[plan.Batch];
        var dots = new double[plan.Batch];
        if (length == 0 || plan.Batch == 0)
        {
            return (sums, dots);
        }

        int units = plan.Dense ? length / channels : plan.Batch * channels;
        int inner = length / units;
        // Separate operands: the kernel writes [u₁; u₂] (block = the length), handed back as two results.
        int block = u2 is null ? plan.Block : length;
        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GammaKernelShape>>(
            "gamma-quotient",
            acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GammaKernelShape>(BodyKernels.GammaQuotientRows));
        var pairs = new float[4 * plan.Batch];
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var rv = Operand(SlotK0, relevance);
            var zv = Operand(SlotK1, z.AsSpan(0, length));
            var tv = Operand(SlotK2, t.AsSpan(0, length));
            var bv = Parameter(SlotK3, biases.AsSpan(0, 3 * channels));
            var uv = _pool.Floats(SlotK4, 2L * length);
            var pv = _pool.Floats(SlotK5, 4L * units);
            Launched();
            kernel(units, rv, zv, tv, bv, uv, pv, new GammaKernelShape(inner, channels, plan.Dense, plan.ZIncludesBias, plan.NonPositive, block, plan.Gamma, plan.Epsilon));
            var totals = SegmentSums(pv, SlotK6, plan.Batch, units / plan.Batch, 2);
            if (u2 is null)
            {
                Download(uv, u.AsSpan(0, 2 * length));
            }
            else
            {
                Download(uv.SubView(0, length), u.AsSpan(0, length));
                Download(uv.SubView(length, length), u2.AsSpan(0, length));
            }

            Download(totals, pairs);
        }

        for (int n = 0; n < plan.Batch; n++)
        {
            sums[n] = CompensatedSum.OnHost(pairs[4 * n], pairs[(4 * n) + 1]);
            dots[n] = CompensatedSum.OnHost(pairs[(4 * n) + 2], pairs[(4 * n) + 3]);
        }

        return (sums, dots);
    }

    /// <summary>The channel-summed quotient (one thread per output element) and its per-sample absorbed sums.</summary>
    public void FlatQuotient(float[] relevance, int batch, int outChannels, float[] z, float epsilon, float[] quotient, double[] absorbed)
    {
        int outSize = z.Length, count = batch * outSize;
        if (count == 0)
        {
            return;
        }

        var flat = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>>(
            "flat-quotient", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float>(BodyKernels.FlatQuotient));
        var pairs = new float[4 * batch];
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var rv = Operand(SlotK0, relevance.AsSpan(0, count * outChannels));
            var zv = Parameter(SlotK1, z);
            var qv = _pool.Floats(SlotK2, count);
            var pv = _pool.Floats(SlotK3, 4L * count);
            Launched();
            flat(count, rv, zv, qv, pv, outChannels, outSize, epsilon);
            var sv = SegmentSums(pv, SlotK4, batch, outSize, 2);
            Download(qv, quotient.AsSpan(0, count));
            Download(sv, pairs);
        }

        for (int n = 0; n < batch; n++)
        {
            absorbed[n] += CompensatedSum.OnHost(pairs[4 * n], pairs[(4 * n) + 1]) - CompensatedSum.OnHost(pairs[(4 * n) + 2], pairs[(4 * n) + 3]);
        }
    }

    private (double[] RelevanceSums, double[] Dots) Quotient(float[] relevance, float[] z, ReadOnlySpan<float> bias, int batch, int rows, int inner, int channels, bool dense, float epsilon, float[] s)
    {
        var sums = new double[batch];
        var dots = new double[batch];
        long length = (long)rows * inner;
        if (length == 0 || batch == 0)
        {
            return (sums, dots);
        }

        var quotient = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>>(
            "quotient-rows",
            acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>(BodyKernels.QuotientRows));
        var pairs = new float[4 * batch];
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var rv = Operand(SlotK0, relevance.AsSpan(0, (int)length));
            var zv = Operand(SlotK1, z.AsSpan(0, (int)length));
            var bv = Parameter(SlotK2, bias);
            var sv = _pool.Floats(SlotK3, length);
            var pv = _pool.Floats(SlotK4, 4L * rows);
            Launched();
            quotient(rows, rv, zv, bv, sv, pv, inner, channels, dense ? 1 : 0, epsilon);
            var totals = SegmentSums(pv, SlotK5, batch, rows / batch, 2);
            Download(sv, s.AsSpan(0, (int)length));
            Download(totals, pairs);
        }

        for (int n = 0; n < batch; n++)
        {
            sums[n] = CompensatedSum.OnHost(pairs[4 * n], pairs[(4 * n) + 1]);
            dots[n] = CompensatedSum.OnHost(pairs[(4 * n) + 2], pairs[(4 * n) + 3]);
        }

        return (sums, dots);
    }

    private void RowReduce(ReadOnlySpan<float> a, ReadOnlySpan<float> b, int rows, Span<double> result, bool dots)
    {
        if (rows == 0)
        {
            return;
        }

        int length = a.Length / rows;
        var pairs = new float[2 * rows];
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var av = Operand(SlotK0, a[..(rows * length)]);
            var pv = _pool.Floats(SlotK2, 2L * rows);
            Launched();
            if (dots)
            {
                var bv = Operand(SlotK1, b[..(rows * length)]);
                Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>>(
                    "row-dots", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(BodyKernels.RowDots))(rows, av, bv, pv, length);
            }
            else
            {
                Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, int>>(
                    "row-sums", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(BodyKernels.RowSums))(rows, av, pv, length);
            }

            Download(pv, pairs);
        }

        for (int r = 0; r < rows; r++)
        {
            result[r] = CompensatedSum.OnHost(pairs[2 * r], pairs[(2 * r) + 1]);
        }
    }

    /// <summary>Two launches whatever the length: chunk extrema (chunks of at least √n), then one thread over the chunks.</summary>
    private float Extreme(ReadOnlySpan<float> x, bool max)
    {
        if (x.IsEmpty)
        {
            return max ? float.NegativeInfinity : float.PositiveInfinity;
        }

        int chunk = Math.Max(1024, (int)Math.Ceiling(Math.Sqrt(x.Length)));
        int chunks = (x.Length + chunk - 1) / chunk;
        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>>(
            "extremum-chunks", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int>(BodyKernels.ExtremumChunks));
        var result = new float[1];
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var xv = Operand(SlotK0, x);
            var partial = _pool.Floats(SlotK1, chunks);
            var rv = _pool.Floats(SlotK2, 1);
            Launched();
            kernel(chunks, xv, partial, chunk, x.Length, max ? 1 : 0);
            Launched();
            kernel(1, partial, rv, chunks, chunks, max ? 1 : 0);
            Download(rv, result);
        }

        return result[0];
    }

    /// <summary>Launches the per-segment sums of item pairs <c>[items, quantities, 2]</c> into slot <paramref name="slot"/> (caller holds the gate).</summary>
    private ArrayView<float> SegmentSums(ArrayView<float> pairs, int slot, int segments, int perSegment, int quantities)
    {
        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, int, int>>(
            "segment-sums", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(BodyKernels.SegmentSums));
        var sums = _pool.Floats(slot, 2L * segments * quantities);
        Launched();
        kernel(segments, pairs, sums, perSegment, quantities);
        return sums;
    }

    /// <summary>
    /// The device view of a batch-independent parameter operand (a bias, a LayerNorm scale, a broadcast Norm operand):
    /// a declared constant's resident copy, or an upload into <paramref name="slot"/> that is not metered, as
    /// <see cref="AddChannelBias"/> and the replays' parameters are not (the traffic tests count per-sample bytes;
    /// such parameters should become declared constants: see issue 15).
    /// </summary>
    private ArrayView<float> Parameter(int slot, ReadOnlySpan<float> host)
    {
        if (_constants.TryGet(host, out var resident, out long uploaded))
        {
            if (uploaded > 0)
            {
                Meter?.HostToDevice(uploaded, constant: true);
            }

            return resident;
        }

        return _pool.Upload(slot, host);
    }
}
