using ILGPU;
using ILGPU.Runtime;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>The routing replay's index-map gather, the row gathers and the LayerNormalization replay on the device (one launch each).</summary>
internal sealed partial class IlgpuBackend
{
    /// <summary>One thread per output element.</summary>
    public void GatherByMap(int[] map, float[] x, float padValue, float[] y)
    {
        if (map.Length == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, float>>(
            "gather-by-map", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, float>(BodyKernels.GatherByMap));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var mv = OperandInts(SlotK0, map);
            // An empty x (every element padding) still needs a view to bind.
            var xv = x.Length == 0 ? _pool.Floats(SlotK0, 1) : Operand(SlotK0, x);
            var yv = _pool.Floats(SlotK1, map.Length);
            Launched();
            kernel(map.Length, mv, xv, yv, padValue);
            Download(yv, y.AsSpan(0, map.Length));
        }
    }

    /// <summary>One thread per element; the row list goes up with the call (per-row data, like the row sums that chose it).</summary>
    public void GatherRows(int[] rows, int length, float[] x, float[] y)
    {
        long count = (long)rows.Length * length;
        if (count == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>>(
            "gather-rows", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>(BodyKernels.GatherRows));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var rv = _pool.UploadRows(SlotK0, rows);
            var xv = Operand(SlotK0, x);
            var yv = _pool.Floats(SlotK1, count);
            Launched();
            kernel((int)count, rv, xv, yv, length);
            Download(yv, y.AsSpan(0, (int)count));
        }
    }

    /// <summary>One thread per element of r (distinct rows: no atomics).</summary>
    public void ScatterAddRows(int[] rows, int length, float[] r, float[] y)
    {
        long count = (long)rows.Length * length;
        if (count == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>>(
            "scatter-add-rows", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<float>, ArrayView<float>, int>(BodyKernels.ScatterAddRows));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var rowsView = _pool.UploadRows(SlotK0, rows);
            var rv = Operand(SlotK0, r.AsSpan(0, (int)count));
            var yv = _pool.Upload(SlotK1, y);
            Launched();
            kernel((int)count, rowsView, rv, yv, length);
            Download(yv, y);
        }
    }

    /// <summary>One thread per row, in float with compensated sums (the CPU's are in double).</summary>
    public void LayerNorm(float[] x, float[] scale, float[]? bias, int size, float epsilon, bool centered, float[] y)
    {
        int rows = size == 0 ? 0 : x.Length / size;
        if (rows == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, int, int>>(
            "layernorm", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, float, int, int>(BodyKernels.LayerNorm));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var xv = Operand(SlotK0, x.AsSpan(0, rows * size));
            var sv = Parameter(SlotK1, scale.AsSpan(0, size));
            var bv = bias is null ? _pool.Floats(SlotK2, 1) : Parameter(SlotK2, bias.AsSpan(0, size));
            var yv = _pool.Floats(SlotK3, (long)rows * size);
            Launched();
            kernel(rows, xv, sv, bv, yv, size, epsilon, centered ? 1 : 0, bias is null ? 0 : 1);
            Download(yv, y.AsSpan(0, rows * size));
        }
    }
}
