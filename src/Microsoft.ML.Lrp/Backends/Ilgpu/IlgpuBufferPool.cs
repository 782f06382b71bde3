using ILGPU;
using ILGPU.Runtime;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// Device buffers reused across kernel calls: one buffer per numbered slot, grown (never shrunk) to the largest
/// length asked for, and the mirrors of pass workspaces (<see cref="IlgpuWorkspace"/>), kept free by length between
/// passes. <see cref="Upload(int, ReadOnlySpan{float})"/> serves a float span that lies in a constant or in a buffer
/// of the running pass from its device copy (a device-to-device copy into the slot) and uploads other spans, counting
/// the traffic. Owned by one backend instance; callers hold the device's gate while using views.
/// </summary>
internal sealed class IlgpuBufferPool(Accelerator accelerator, IlgpuConstantCache? constants = null) : IDisposable
{
    private readonly Dictionary<int, MemoryBuffer1D<float, Stride1D.Dense>> _floats = [];
    private readonly Dictionary<int, MemoryBuffer1D<int, Stride1D.Dense>> _ints = [];
    private readonly Dictionary<long, Stack<MemoryBuffer1D<float, Stride1D.Dense>>> _freeMirrors = [];
    private readonly HashSet<long> _mirrorLengths = [];

    /// <summary>Bytes currently held on the device (slots and free mirrors).</summary>
    public long Bytes => _floats.Values.Sum(b => b.LengthInBytes) + _ints.Values.Sum(b => b.LengthInBytes) + _freeMirrors.Values.Sum(s => s.Sum(b => b.LengthInBytes));

    /// <summary>The accelerator the buffers live on.</summary>
    public Accelerator Accelerator => accelerator;

    /// <summary>
    /// The device view of <paramref name="host"/> when a device copy exists (a declared constant, uploaded on first
    /// use; a buffer of the running pass's workspace, made valid on the device): read-only for the caller.
    /// </summary>
    public bool TryResident(ReadOnlySpan<float> host, out ArrayView<float> view)
    {
        if (constants is not null && constants.TryGet(host, out view, out long uploaded))
        {
            if (uploaded > 0)
            {
                DeviceTrafficMeter.Current?.HostToDevice(uploaded, constant: true);
            }

            return true;
        }

        if (IlgpuWorkspace.Current is { } workspace && ReferenceEquals(workspace.Pool, this))
        {
            return workspace.TryRead(host, out view);
        }

        view = default;
        return false;
    }

    /// <summary>Stores <paramref name="result"/> into the running pass's mirror of <paramref name="host"/>; false when <paramref name="host"/> is not a buffer of the pass.</summary>
    public bool TryStoreResident(ArrayView<float> result, Span<float> host)
        => IlgpuWorkspace.Current is { } workspace && ReferenceEquals(workspace.Pool, this) && workspace.TryStore(result, host);

    /// <summary>A device buffer of at least <paramref name="length"/> floats for a workspace mirror (a free one of that length when there is one).</summary>
    public MemoryBuffer1D<float, Stride1D.Dense> RentMirror(long length)
    {
        _mirrorLengths.Add(length);
        return _freeMirrors.TryGetValue(length, out var stack) && stack.Count > 0 ? stack.Pop() : accelerator.Allocate1D<float>(length);
    }

    /// <summary>Takes a mirror back for reuse.</summary>
    public void ReturnMirror(MemoryBuffer1D<float, Stride1D.Dense> buffer)
    {
        if (!_freeMirrors.TryGetValue(buffer.Length, out var stack))
        {
            stack = new Stack<MemoryBuffer1D<float, Stride1D.Dense>>();
            _freeMirrors[buffer.Length] = stack;
        }

        stack.Push(buffer);
    }

    /// <summary>Frees the free mirrors of lengths the last pass did not ask for (a smaller last batch, another model).</summary>
    public void TrimMirrors()
    {
        foreach (var length in _freeMirrors.Keys.Where(l => !_mirrorLengths.Contains(l)).ToList())
        {
            foreach (var buffer in _freeMirrors[length])
            {
                buffer.Dispose();
            }

            _freeMirrors.Remove(length);
        }

        _mirrorLengths.Clear();
    }

    /// <summary>A float view of exactly <paramref name="length"/> elements in slot <paramref name="slot"/> (contents undefined).</summary>
    public ArrayView<float> Floats(int slot, long length) => ((ArrayView<float>)Get(_floats, slot, length).View).SubView(0, length);

    /// <summary>An int view of exactly <paramref name="length"/> elements in slot <paramref name="slot"/> (contents undefined).</summary>
    public ArrayView<int> Ints(int slot, long length) => ((ArrayView<int>)Get(_ints, slot, length).View).SubView(0, length);

    /// <summary>
    /// Copies <paramref name="host"/> into slot <paramref name="slot"/> and returns its view (the caller may write
    /// it): from its device copy when it has one (<see cref="TryResident"/>), else from the host, counted.
    /// </summary>
    public ArrayView<float> Upload(int slot, ReadOnlySpan<float> host)
    {
        var view = Floats(slot, host.Length);
        if (host.Length > 0)
        {
            if (TryResident(host, out var resident))
            {
                resident.CopyTo(view);
            }
            else
            {
                DeviceTrafficMeter.Current?.HostToDevice((long)host.Length * sizeof(float));
                if (IlgpuWorkspace.Current is { Verify: true } workspace && ReferenceEquals(workspace.Pool, this))
                {
                    DeviceTrafficMeter.Current?.Untracked((long)host.Length * sizeof(float), toDevice: true, IlgpuWorkspace.CallSite());
                }

                view.CopyFromCPU(host);
            }
        }

        return view;
    }

    /// <summary>Copies <paramref name="host"/> into int slot <paramref name="slot"/> and returns its view (counted).</summary>
    public ArrayView<int> Upload(int slot, ReadOnlySpan<int> host)
    {
        var view = Ints(slot, host.Length);
        if (host.Length > 0)
        {
            // An index map built on the host for this call (not declared constant): named apart from the float
            // tensors, with the code that built it when the workspace verifies.
            string site = IlgpuWorkspace.Current is { Verify: true } ? " at " + IlgpuWorkspace.CallSite() : "";
            DeviceTrafficMeter.Current?.RoundTrip((long)host.Length * sizeof(int), toDevice: true, "index maps (int)" + site);
            view.CopyFromCPU(host);
        }

        return view;
    }

    /// <summary>
    /// Copies a list of row indices (per-row data a rule chose on the host from row sums it read) into int slot
    /// <paramref name="slot"/>: counted as an untracked per-row transfer, like those row sums, not as an index map.
    /// </summary>
    public ArrayView<int> UploadRows(int slot, int[] rows)
    {
        var view = Ints(slot, rows.Length);
        if (rows.Length > 0)
        {
            long bytes = (long)rows.Length * sizeof(int);
            DeviceTrafficMeter.Current?.HostToDevice(bytes);
            DeviceTrafficMeter.Current?.Untracked(bytes, toDevice: true, "row indices");
            view.CopyFromCPU(rows);
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

        foreach (var buffer in _freeMirrors.Values.SelectMany(s => s))
        {
            buffer.Dispose();
        }

        _floats.Clear();
        _ints.Clear();
        _freeMirrors.Clear();
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
