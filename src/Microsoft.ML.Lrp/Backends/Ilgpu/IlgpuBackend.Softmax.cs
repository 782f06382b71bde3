using ILGPU;
using ILGPU.Runtime;
using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// Softmax and LayerNorm (replay and relevance), the replays' unary functions and the MaxPool values on the device
/// (<see cref="BodyKernels"/>: <c>Softmax</c>, <c>Unary</c>): one launch each (two for MaxPool: argmax, gather),
/// one thread per row along the axis.
/// </summary>
internal sealed partial class IlgpuBackend
{
    /// <summary>One thread per row; the rows' absorbed shares come back as high/low pairs, added in double here.</summary>
    public void SoftmaxRelevanceLastAxis(float[] x, float[] y, float[] r, float[] rx, int length, double[] absorbedPerRow)
    {
        int outer = length == 0 ? 0 : x.Length / length;
        if (outer == 0)
        {
            return;
        }

        var pairs = new float[2 * outer];
        RunSoftmaxRelevance(x, y, r, rx, outer, length, 1, pairs, perRow: true);
        for (int o = 0; o < outer; o++)
        {
            absorbedPerRow[o] = CompensatedSum.OnHost(pairs[2 * o], pairs[(2 * o) + 1]);
        }
    }

    /// <summary>One thread per (outer, inner) column.</summary>
    public void SoftmaxRelevance(float[] x, float[] y, float[] r, int outer, int length, int inner, float[] rx, float[] absorbed)
    {
        if ((long)outer * length * inner == 0)
        {
            return;
        }

        RunSoftmaxRelevance(x, y, r, rx, outer, length, inner, absorbed, perRow: false);
    }

    /// <summary>One thread per group, in float with compensated sums (the CPU's is in double).</summary>
    public void LayerNormRelevance(float[] x, float[] w, float[]? bias, float[] r, int length, double epsilonNorm, double stabiliser, bool centered, float[] rx, float[] absorbed)
    {
        int groups = length == 0 ? 0 : x.Length / length;
        if (groups == 0)
        {
            return;
        }

        int size = groups * length;
        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float, int, int>>(
            "layernorm-relevance",
            acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, float, int, int>(BodyKernels.LayerNormRelevance));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var xv = Operand(SlotK0, x.AsSpan(0, size));
            var wv = Parameter(SlotK1, w.AsSpan(0, length));
            var bv = bias is null ? _pool.Floats(SlotK2, 1) : Parameter(SlotK2, bias.AsSpan(0, length));
            var rv = Operand(SlotK3, r.AsSpan(0, size));
            var rxv = _pool.Floats(SlotK4, size);
            var av = _pool.Floats(SlotK5, size);
            Launched();
            kernel(groups, xv, wv, bv, rv, rxv, av, length, (float)epsilonNorm, (float)stabiliser, centered ? 1 : 0, bias is null ? 0 : 1);
            Download(rxv, rx.AsSpan(0, size));
            Download(av, absorbed.AsSpan(0, size));
        }
    }

    /// <summary>One thread per row along the axis; exp by <see cref="DeviceMath.Exp"/>.</summary>
    public void Softmax(float[] x, float[] y, int outer, int length, int inner)
    {
        int size = outer * length * inner;
        if (size == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, int, int>>(
            "softmax", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(BodyKernels.Softmax));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var xv = Operand(SlotK0, x.AsSpan(0, size));
            var yv = _pool.Floats(SlotK1, size);
            Launched();
            kernel(outer * inner, xv, yv, length, inner);
            Download(yv, y.AsSpan(0, size));
        }
    }

    /// <summary>
    /// <c>y = f(x)</c> by <see cref="DeviceMath"/> (Erf within 4e-7 of erf rather than bit-identical to ONNX Runtime's
    /// kernel, as the CPU backend's is).
    /// </summary>
    public void Unary(UnaryFunction f, float[] x, float[] y)
    {
        if (x.Length == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, int>>(
            "unary-function", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(BodyKernels.Unary));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var xv = Operand(SlotK0, x);
            var yv = _pool.Floats(SlotK1, x.Length);
            Launched();
            kernel(x.Length, xv, yv, (int)f);
            Download(yv, y.AsSpan(0, x.Length));
        }
    }

    /// <summary>The argmax kernel, then a gather kernel on its device result (the winners stay on the device).</summary>
    public void MaxPoolValues(PoolGeometry g, float[] x, float[] y)
    {
        var s = WindowShape.Of(g);
        int planes = CheckPool(g, x.Length, y.Length, s);
        int count = planes * s.OutSize;
        if (count == 0)
        {
            return;
        }

        var gather = Kernel<Action<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>>>(
            "gather-winners", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, ArrayView<float>>(BodyKernels.GatherWinners));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var xv = Operand(SlotK0, x.AsSpan(0, planes * s.InSize));
            var wv = _pool.Ints(SlotK0, count);
            var yv = _pool.Floats(SlotK1, count);
            Launched();
            _device.MaxArgmax(count, xv, wv, s);
            Launched();
            gather(count, xv, wv, yv);
            Download(yv, y.AsSpan(0, count));
        }
    }

    private void RunSoftmaxRelevance(float[] x, float[] y, float[] r, float[] rx, int outer, int length, int inner, float[] absorbed, bool perRow)
    {
        int size = outer * length * inner, rows = outer * inner;
        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>>(
            "softmax-relevance",
            acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(BodyKernels.SoftmaxRelevance));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var xv = Operand(SlotK0, x.AsSpan(0, size));
            var yv = Operand(SlotK1, y.AsSpan(0, size));
            var rv = Operand(SlotK2, r.AsSpan(0, size));
            var rxv = _pool.Floats(SlotK3, size);
            var av = _pool.Floats(SlotK4, perRow ? 2L * rows : size);
            Launched();
            kernel(rows, xv, yv, rv, rxv, av, length, inner, perRow ? 1 : 0);
            Download(rxv, rx.AsSpan(0, size));
            Download(av, absorbed.AsSpan(0, perRow ? 2 * rows : size));
        }
    }
}
