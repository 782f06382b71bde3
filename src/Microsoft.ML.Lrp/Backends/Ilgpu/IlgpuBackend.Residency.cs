using ILGPU;
using ILGPU.Runtime;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// The storage and transfer layer of <see cref="IlgpuBackend"/>: operands served from the constant cache or
/// uploaded into pooled slots, traffic counted on the running call's meter, and the strided-batched GEMM.
/// </summary>
internal sealed partial class IlgpuBackend
{
    /// <summary>Bytes of the constants held on the device.</summary>
    internal long ConstantBytes
    {
        get
        {
            lock (_device.Gate)
            {
                return _constants.Bytes;
            }
        }
    }

    private static DeviceTrafficMeter? Meter => DeviceTrafficMeter.Current;

    /// <inheritdoc/>
    public void DeclareConstant(float[] array)
    {
        ArgumentNullException.ThrowIfNull(array);
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _constants.Declare(array);
        }
    }

    /// <inheritdoc/>
    public void GemmStridedBatched(bool transA, bool transB, int m, int n, int k, int batch, ReadOnlySpan<float> a, int strideA, ReadOnlySpan<float> b, int strideB, Span<float> c, int strideC, float beta = 0f)
    {
        var lengths = StridedBatch.Check(m, n, k, batch, a.Length, strideA, b.Length, strideB, c.Length, strideC);
        if (m == 0 || n == 0 || batch == 0)
        {
            return;
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var av = Operand(SlotA, a[..lengths.A]);
            var bv = Operand(SlotB, b[..lengths.B]);
            // Gaps between the C matrices come back with the result: uploaded so that they keep their values.
            bool packedC = batch == 1 || strideC == m * n;
            var cv = beta == 0f && packedC ? _pool.Floats(SlotC, lengths.C) : Operand(SlotC, c[..lengths.C]);
            // Launches of at most MaxGemmsPerLaunch products, each on views starting at its first slab, so that A's
            // slab z is at z·strideA (a period of the whole launch, or 1 when A is shared with stride 0).
            int perLaunch = Math.Max(1, MaxGemmsPerLaunch);
            for (int z0 = 0; z0 < batch; z0 += perLaunch)
            {
                int count = Math.Min(perLaunch, batch - z0);
                var shape = new GemmShape(m, n, k, transA, transB, beta, strideA == 0 ? 1 : count, strideA, strideB, strideC);
                LaunchGemm(av.SubView((long)z0 * strideA), bv.SubView((long)z0 * strideB), cv.SubView((long)z0 * strideC), shape, count);
            }

            Download(cv, c[..lengths.C]);
        }
    }

    /// <summary>The device view of a float operand: a constant's resident copy, or an upload into <paramref name="slot"/>.</summary>
    private ArrayView<float> Operand(int slot, ReadOnlySpan<float> host)
    {
        var meter = Meter;
        if (_constants.TryGet(host, out var resident, out long uploaded))
        {
            if (uploaded > 0)
            {
                meter?.HostToDevice(uploaded, constant: true);
            }

            return resident;
        }

        meter?.HostToDevice((long)host.Length * sizeof(float));
        return _pool.Upload(slot, host);
    }

    private ArrayView<int> OperandInts(int slot, ReadOnlySpan<int> host)
    {
        Meter?.HostToDevice((long)host.Length * sizeof(int));
        return _pool.Upload(slot, host);
    }

    private static void Launched() => Meter?.Launch();
}
