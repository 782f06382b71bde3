using ILGPU;
using ILGPU.Runtime;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>The sliding-window operations of <see cref="IlgpuBackend"/>: convolution and pooling.</summary>
internal sealed partial class IlgpuBackend
{
    /// <inheritdoc/>
    public void ConvForward(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        var s = WindowShape.Of(g);
        int groups = g.Group, cg = g.InChannels / groups, mg = g.OutChannels / groups, kernel = s.KernelSize;
        int inSize = s.InSize, outSize = s.OutSize, cgk = cg * kernel;
        CheckConv(g, x.Length, w.Length, y.Length, s);
        if (y.Length == 0)
        {
            return;
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var xv = Operand(SlotA, x[..(g.Batch * g.InChannels * inSize)]);
            var wv = Operand(SlotB, w[..(g.OutChannels * cgk)]);
            var yv = _pool.Floats(SlotResult, (long)g.Batch * g.OutChannels * outSize);
            if (s.IsPointwise)
            {
                LaunchGemm(wv, xv, yv, new GemmShape(mg, outSize, cg, false, false, 0f, groups, mg * cg, cg * inSize, mg * outSize), g.Batch * groups);
            }
            else
            {
                int chunk = SamplesPerChunk(g.Batch, (long)g.InChannels * kernel * outSize);
                for (int n0 = 0; n0 < g.Batch; n0 += chunk)
                {
                    int count = Math.Min(chunk, g.Batch - n0);
                    long colLength = (long)count * g.InChannels * kernel * outSize;
                    var cols = _pool.Floats(SlotColumns, colLength);
                    Launched();
                    _device.Im2Col((int)colLength, xv.SubView((long)n0 * g.InChannels * inSize), cols, s, g.InChannels);
                    var yChunk = yv.SubView((long)n0 * g.OutChannels * outSize, (long)count * g.OutChannels * outSize);
                    LaunchGemm(wv, cols, yChunk, new GemmShape(mg, outSize, cgk, false, false, 0f, groups, mg * cgk, cgk * outSize, mg * outSize), count * groups);
                }
            }

            if (bias.Length > 0)
            {
                var bv = Operand(SlotBias, bias[..g.OutChannels]);
                Launched();
                _device.AddBias((int)yv.Length, yv, bv, outSize, g.OutChannels);
            }

            Download(yv, y[..(int)yv.Length]);
        }
    }

    /// <inheritdoc/>
    public void ConvBackwardData(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
    {
        var s = WindowShape.Of(g);
        int groups = g.Group, cg = g.InChannels / groups, mg = g.OutChannels / groups, kernel = s.KernelSize;
        int inSize = s.InSize, outSize = s.OutSize, cgk = cg * kernel;
        CheckConv(g, dx.Length, w.Length, dy.Length, s);
        if (dx.Length == 0)
        {
            return;
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var dyv = Operand(SlotA, dy[..(g.Batch * g.OutChannels * outSize)]);
            var wv = Operand(SlotB, w[..(g.OutChannels * cgk)]);
            var dxv = _pool.Floats(SlotResult, (long)g.Batch * g.InChannels * inSize);
            if (s.IsPointwise)
            {
                LaunchGemm(wv, dyv, dxv, new GemmShape(cg, outSize, mg, true, false, 0f, groups, mg * cg, mg * outSize, cg * inSize), g.Batch * groups);
            }
            else
            {
                int chunk = SamplesPerChunk(g.Batch, (long)g.InChannels * kernel * outSize);
                for (int n0 = 0; n0 < g.Batch; n0 += chunk)
                {
                    int count = Math.Min(chunk, g.Batch - n0);
                    var cols = _pool.Floats(SlotColumns, (long)count * g.InChannels * kernel * outSize);
                    var dyChunk = dyv.SubView((long)n0 * g.OutChannels * outSize);
                    LaunchGemm(wv, dyChunk, cols, new GemmShape(cgk, outSize, mg, true, false, 0f, groups, mg * cgk, mg * outSize, cgk * outSize), count * groups);
                    long dxLength = (long)count * g.InChannels * inSize;
                    Launched();
                    _device.Col2Im((int)dxLength, cols, dxv.SubView((long)n0 * g.InChannels * inSize, dxLength), s);
                }
            }

            Download(dxv, dx[..(int)dxv.Length]);
        }
    }

    /// <inheritdoc/>
    public void AveragePoolForward(PoolGeometry g, ReadOnlySpan<float> x, Span<float> y)
    {
        var s = WindowShape.Of(g);
        int planes = CheckPool(g, x.Length, y.Length, s);
        if (planes == 0 || s.OutSize == 0)
        {
            return;
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var xv = Operand(SlotA, x[..(planes * s.InSize)]);
            var yv = _pool.Floats(SlotResult, (long)planes * s.OutSize);
            Launched();
            _device.AverageForward((int)yv.Length, xv, yv, s, g.CountIncludePad ? 1 : 0);
            Download(yv, y[..(int)yv.Length]);
        }
    }

    /// <inheritdoc/>
    public void AveragePoolBackward(PoolGeometry g, ReadOnlySpan<float> dy, Span<float> dx)
    {
        var s = WindowShape.Of(g);
        int planes = CheckPool(g, dx.Length, dy.Length, s);
        if (planes == 0 || s.InSize == 0)
        {
            return;
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var dyv = Operand(SlotA, dy[..(planes * s.OutSize)]);
            var dxv = _pool.Floats(SlotResult, (long)planes * s.InSize);
            Launched();
            _device.AverageBackward((int)dxv.Length, dyv, dxv, s, g.CountIncludePad ? 1 : 0);
            Download(dxv, dx[..(int)dxv.Length]);
        }
    }

    /// <inheritdoc/>
    public void MaxPoolArgmax(PoolGeometry g, ReadOnlySpan<float> x, Span<int> argmax)
    {
        var s = WindowShape.Of(g);
        int planes = CheckPool(g, x.Length, argmax.Length, s);
        if (planes == 0 || s.OutSize == 0)
        {
            return;
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var xv = Operand(SlotA, x[..(planes * s.InSize)]);
            var av = _pool.Ints(SlotResult, (long)planes * s.OutSize);
            Launched();
            _device.MaxArgmax((int)av.Length, xv, av, s);
            Accelerator.Synchronize();
            av.CopyToCPU(argmax[..(int)av.Length]);
            Meter?.RoundTrip(av.LengthInBytes, toDevice: false, "MaxPool winners (int)");
        }
    }

    private static int SamplesPerChunk(int batch, long columnsPerSample)
        => (int)Math.Clamp(ColumnBudget / Math.Max(1, columnsPerSample), 1, Math.Max(1, batch));

    private static void CheckConv(ConvGeometry g, int xLength, int wLength, int yLength, WindowShape s)
    {
        if (g.Group < 1 || g.InChannels % g.Group != 0 || g.OutChannels % g.Group != 0)
        {
            throw new ArgumentException($"Convolution channels ({g.InChannels} in, {g.OutChannels} out) must divide by the group count {g.Group}.");
        }

        if (xLength < (long)g.Batch * g.InChannels * s.InSize || yLength < (long)g.Batch * g.OutChannels * s.OutSize
            || wLength < (long)g.OutChannels * (g.InChannels / g.Group) * s.KernelSize)
        {
            throw new ArgumentException($"Convolution tensors too short (x {xLength}, w {wLength}, y {yLength}) for geometry {g}.");
        }
    }

    private static int CheckPool(PoolGeometry g, int inLength, int outLength, WindowShape s)
    {
        int planes = g.Batch * g.Channels;
        if (inLength < (long)planes * s.InSize || outLength < (long)planes * s.OutSize)
        {
            throw new ArgumentException($"Pooling tensors ({inLength} in, {outLength} out elements) are too short for {planes} planes of {s.InSize} → {s.OutSize}.");
        }

        return planes;
    }
}
