using ILGPU;
using ILGPU.Runtime;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// Device buffers reused across kernel calls: one buffer per numbered slot, grown (never shrunk) to the largest
/// length asked for. Owned by one backend instance; callers hold the device's gate while using views.
/// </summary>
internal sealed class IlgpuBufferPool(Accelerator accelerator) : IDisposable
{
    private readonly Dictionary<int, MemoryBuffer1D<float, Stride1D.Dense>> _floats = [];
    private readonly Dictionary<int, MemoryBuffer1D<int, Stride1D.Dense>> _ints = [];

    /// <summary>Bytes currently held on the device.</summary>
    public long Bytes => _floats.Values.Sum(b => b.LengthInBytes) + _ints.Values.Sum(b => b.LengthInBytes);

    /// <summary>A float view of exactly <paramref name="length"/> elements in slot <paramref name="slot"/> (contents undefined).</summary>
    public ArrayView<float> Floats(int slot, long length) => ((ArrayView<float>)Get(_floats, slot, length).View).SubView(0, length);

    /// <summary>An int view of exactly <paramref name="length"/> elements in slot <paramref name="slot"/> (contents undefined).</summary>
    public ArrayView<int> Ints(int slot, long length) => ((ArrayView<int>)Get(_ints, slot, length).View).SubView(0, length);

    /// <summary>Copies <paramref name="host"/> into slot <paramref name="slot"/> and returns its view.</summary>
    public ArrayView<float> Upload(int slot, ReadOnlySpan<float> host)
    {
        var view = Floats(slot, host.Length);
        if (host.Length > 0)
        {
            view.CopyFromCPU(host);
        }

        return view;
    }

    /// <summary>Copies <paramref name="host"/> into int slot <paramref name="slot"/> and returns its view.</summary>
    public ArrayView<int> Upload(int slot, ReadOnlySpan<int> host)
    {
        var view = Ints(slot, host.Length);
        if (host.Length > 0)
        {
            view.CopyFromCPU(host);
        }

        return view;
    }

    public void Dispose()
    {
        foreach (var buffer in _floats.Values)
        {
            buffer.Dispose();
        }

        foreach (var buffer in _ints.Values)
        {
            buffer.Dispose();
        }

        _floats.Clear();
        _ints.Clear();
    }

    private MemoryBuffer1D<T, Stride1D.Dense> Get<T>(Dictionary<int, MemoryBuffer1D<T, Stride1D.Dense>> buffers, int slot, long length)
        where T : unmanaged
    {
        if (buffers.TryGetValue(slot, out var buffer) && buffer.Length >= length)
        {
            return buffer;
        }

        buffer?.Dispose();
        long capacity = Math.Max(1, Math.Max(length, buffer is null ? 0 : buffer.Length + (buffer.Length / 2)));
        buffer = accelerator.Allocate1D<T>(capacity);
        buffers[slot] = buffer;
        return buffer;
    }
}
