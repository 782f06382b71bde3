using ILGPU;
using ILGPU.Runtime;
using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// The replay and routing operations of <see cref="IlgpuBackend"/> (softmax, unary functions and MaxPool values are in
/// <c>IlgpuBackend.Softmax.cs</c>).
/// </summary>
internal sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void Extremum(bool max, float[] a, float[] b, float[] y)
    {
        if (a.Length == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>>(
            "extremum", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(BodyKernels.Extremum));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var av = _pool.Upload(SlotBodyA, a);
            var bv = _pool.Upload(SlotBodyB, b);
            var yv = _pool.Floats(SlotBodyResult, a.Length);
            kernel(a.Length, av, bv, yv, max ? 1 : 0, b.Length);
            Download(yv, y.AsSpan(0, a.Length));
        }
    }

    /// <inheritdoc/>
    public void BroadcastArithmetic(ArithmeticOp op, float[] a, float[] b, int[] bShape, float[] y, int[] outShape)
    {
        int rank = outShape.Length;
        if (bShape.Length > rank || a.Length != y.Length)
        {
            throw new ArgumentException($"Broadcast arithmetic: b [{string.Join(", ", bShape)}] against [{string.Join(", ", outShape)}], a {a.Length}, y {y.Length}.");
        }

        if (y.Length == 0)
        {
            return;
        }

        var strides = new int[Math.Max(1, rank)];
        for (int d = rank - 1, stride = 1; d >= 0; d--)
        {
            int bd = d - (rank - bShape.Length) >= 0 ? bShape[d - (rank - bShape.Length)] : 1;
            strides[d] = bd == 1 ? 0 : stride;
            stride *= bd;
        }

        int[] shape = rank == 0 ? [1] : outShape;
        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, int, int>>(
            "broadcast-arithmetic",
            acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, int, int>(BodyKernels.BroadcastArithmetic));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var av = _pool.Upload(SlotBodyA, a);
            var bv = _pool.Upload(SlotBodyB, b);
            var yv = _pool.Floats(SlotBodyResult, y.Length);
            var shapeView = Descriptor(SlotBodyA, shape);
            var strideView = Descriptor(SlotBodyB, strides);
            kernel(y.Length, av, bv, yv, shapeView, strideView, shape.Length, (int)op);
            Download(yv, y);
        }
    }

    /// <inheritdoc/>
    public void ChannelAffine(float[] x, float[] scale, float[] shift, int inner, float[] y)
    {
        if (x.Length == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>>(
            "channel-affine", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(BodyKernels.ChannelAffine));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var xv = _pool.Upload(SlotBodyA, x);
            var sv = _pool.Upload(SlotBodyB, scale);
            var tv = _pool.Upload(SlotBodyC, shift);
            var yv = _pool.Floats(SlotBodyResult, x.Length);
            kernel(x.Length, xv, sv, tv, yv, inner, scale.Length);
            Download(yv, y.AsSpan(0, x.Length));
        }
    }

    /// <inheritdoc/>
    public void GlobalPool(float[] x, int planes, bool max, float[] y)
    {
        if (planes == 0 || x.Length == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, int, int>>(
            "global-pool", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(BodyKernels.GlobalPool));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var xv = _pool.Upload(SlotBodyA, x);
            var yv = _pool.Floats(SlotBodyResult, planes);
            kernel(planes, xv, yv, x.Length / planes, max ? 1 : 0);
            Download(yv, y.AsSpan(0, planes));
        }
    }

    /// <inheritdoc/>
    public void Permute(int[] map, float[] r, float[] y)
    {
        if (map.Length == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>>>(
            "permute", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>>(BodyKernels.Permute));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var mv = OperandInts(SlotBodyA, map);
            var rv = _pool.Upload(SlotBodyA, r.AsSpan(0, map.Length));
            var yv = _pool.Floats(SlotBodyResult, y.Length);
            kernel(map.Length, mv, rv, yv);
            Download(yv, y);
        }
    }

    /// <summary>
    /// An atomic scatter-add kernel (several elements may share a target, so the float sum order may vary between
    /// runs). The unmapped relevance comes back in a tensor buffer of the pass (kept on the device inside a pass).
    /// </summary>
    public float[]? ScatterAddByMap(int[] map, float[] r, float[] y)
    {
        float[]? lost = Array.Exists(map, m => m < 0) ? Tensors.TensorArena.Allocate(map.Length, clear: false) : null;
        if (map.Length == 0)
        {
            return lost;
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            ScatterAdd(OperandInts(SlotBodyA, map), map.Length, r, y, clear: false, lost);
        }

        return lost;
    }

    /// <summary>
    /// <c>y[map[i]] += r[i]</c> on the device for the first <paramref name="count"/> entries of the device index map
    /// <paramref name="mv"/> (y zeroed first with <paramref name="clear"/>); unmapped relevance into <paramref name="lost"/>.
    /// Callers hold the gate.
    /// </summary>
    private void ScatterAdd(ArrayView<int> mv, int count, float[] r, float[] y, bool clear, float[]? lost)
    {
        var scatter = Kernel<Action<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>>>(
            "scatter-add", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(BodyKernels.ScatterAdd));
        var zero = Kernel<Action<Index1D, ArrayView<float>>>("zero", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>>(BodyKernels.Zero));
        var rv = Operand(SlotBodyA, r.AsSpan(0, count));
        ArrayView<float> yv;
        if (clear)
        {
            yv = _pool.Floats(SlotBodyResult, y.Length);
            Launched();
            zero(y.Length, yv);
        }
        else
        {
            yv = _pool.Upload(SlotBodyResult, y);
        }

        var lv = _pool.Floats(SlotBodyB, count);
        Launched();
        scatter(count, mv, rv, yv, lv);
        Download(yv, y);
        if (lost is not null)
        {
            Download(lv, lost);
        }
    }
}
