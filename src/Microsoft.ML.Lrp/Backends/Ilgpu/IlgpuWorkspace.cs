using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// The device workspace of one relevance pass on <see cref="IlgpuBackend"/>. Every tensor buffer the pass allocates
/// (<see cref="TensorArena.Allocate"/>, seen through <see cref="ITensorArrayObserver"/>) gets a device mirror on first
/// device use, with a <see cref="MirrorState"/>. Operands lying inside a buffer are recognised by address (like
/// constants): a buffer valid on the device is not uploaded again, and an operation's result is stored into the
/// mirror and not downloaded. Host code declares what it reads (<see cref="ToHost"/>) and writes
/// (<see cref="HostWrote"/>); a buffer the schedule releases gives its mirror back to the pool, and so does the end
/// of the pass. Buffers the pass did not allocate (constants aside) travel as before: uploaded per use, results
/// downloaded. With <see cref="Verify"/> (on ILGPU's CPU accelerator) a missed declaration cannot pass unnoticed:
/// the host copy of a device-only buffer is filled with a marked NaN, and host copies are compared with the device
/// (<see cref="MirrorState.Both"/>) or checked for zeros or the mark whenever the workspace touches a buffer and
/// at the end of the pass. Callers hold the device's gate for the transfer methods.
/// </summary>
internal sealed class IlgpuWorkspace : ITensorArrayObserver
{
    /// <summary>The NaN written over host copies that are not valid (its payload marks it as ours).</summary>
    internal const uint PoisonBits = 0x7FC0DEADu;

    private static readonly AsyncLocal<IlgpuWorkspace?> Active = new();

    private readonly IlgpuBufferPool _pool;
    private readonly object _gate;
    private readonly List<Entry> _entries = [];
    private readonly Dictionary<float[], Entry> _byArray = new(ReferenceEqualityComparer.Instance);
    private int _lastHit;

    public IlgpuWorkspace(IlgpuBufferPool pool, object gate, bool verify)
    {
        _pool = pool;
        _gate = gate;
        Verify = verify;
    }

    /// <summary>The workspace of the pass running on this execution context, or null.</summary>
    public static IlgpuWorkspace? Current => Active.Value;

    /// <summary>Whether host copies are poisoned and checked (see the class summary).</summary>
    public bool Verify { get; }

    /// <summary>The pool whose device buffers this workspace's mirrors come from (identifies the backend).</summary>
    public IlgpuBufferPool Pool => _pool;

    /// <summary>Buffers tracked now.</summary>
    internal int TrackedBuffers
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Makes this workspace current and observes this thread's tensor buffers until the scope is disposed.</summary>
    public IDisposable Begin()
    {
        var previous = Active.Value;
        Active.Value = this;
        var observer = TensorArena.Observe(this);
        return new PassScope(this, previous, observer);
    }

    /// <inheritdoc/>
    public void Allocated(float[] data, bool cleared)
    {
        if (data.Length == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (!_byArray.TryGetValue(data, out var entry))
            {
                entry = new Entry(data);
                _byArray.Add(data, entry);
                _entries.Add(entry);
            }

            entry.State = cleared ? MirrorState.Zero : MirrorState.Fresh;
            entry.Writer = null;
            entry.Imported = false;
            entry.AllocatedAt = Verify ? AllocationSite() : null;
        }
    }

    /// <inheritdoc/>
    public void Released(float[] data)
    {
        lock (_gate)
        {
            if (_byArray.Remove(data, out var entry))
            {
                _entries.Remove(entry);
                Drop(entry);
            }
        }
    }

    /// <summary>Whether <paramref name="span"/> lies inside a buffer of this pass.</summary>
    public bool Tracks(ReadOnlySpan<float> span)
    {
        lock (_gate)
        {
            return TryFind(span, out _, out _);
        }
    }

    /// <inheritdoc/>
    public void ReadOnHost(float[] data, string reader) => ToHost(data, "Tensors." + reader);

    /// <summary>
    /// The device view of <paramref name="span"/> when it lies inside a tracked buffer, valid for reading (the buffer
    /// uploaded or cleared on the device first when needed); false for other spans.
    /// </summary>
    public bool TryRead(ReadOnlySpan<float> span, out ArrayView<float> view)
    {
        view = default;
        if (!TryFind(span, out var entry, out long offset))
        {
            return false;
        }

        MakeDeviceValid(entry);
        view = entry.View.SubView(offset, span.Length);
        return true;
    }

    /// <summary>
    /// Stores a result computed in <paramref name="result"/> into the mirror of the tracked buffer holding
    /// <paramref name="host"/> (a device-to-device copy), leaving the device copy the only valid one; false (and
    /// nothing done) when <paramref name="host"/> lies in no tracked buffer.
    /// </summary>
    public bool TryStore(ArrayView<float> result, Span<float> host)
    {
        if (!TryFind(host, out var entry, out long offset))
        {
            return false;
        }

        if (host.Length < entry.Array.Length)
        {
            // The rest of the buffer must stay valid on the device.
            MakeDeviceValid(entry);
        }
        else
        {
            CheckHost(entry);
            entry.Buffer ??= _pool.RentMirror(entry.Array.Length);
        }

        var target = entry.View.SubView(offset, host.Length);
        if (!SameMemory(target, result))
        {
            result.SubView(0, host.Length).CopyTo(target);
        }

        MarkDevice(entry);
        return true;
    }

    /// <summary>Copies the buffer holding <paramref name="span"/> back to the host when only the device holds it.</summary>
    public void ToHost(ReadOnlySpan<float> span, string cause, bool export = false)
    {
        lock (_gate)
        {
            if (!TryFind(span, out var entry, out _) || entry.State != MirrorState.Device)
            {
                return;
            }

            CheckHost(entry);
            _pool.Accelerator.Synchronize();
            entry.View.CopyToCPU(entry.Array);
            if (export)
            {
                DeviceTrafficMeter.Current?.Exported(4L * entry.Array.Length);
            }
            else
            {
                Record(entry.Array.Length, toDevice: false, cause);
            }

            entry.State = MirrorState.Both;
        }
    }

    /// <summary>Marks the host copy of the buffer holding <paramref name="span"/> as the valid one (host code wrote it).</summary>
    public void HostWrote(ReadOnlySpan<float> span, string cause, bool import = false)
    {
        lock (_gate)
        {
            if (!TryFind(span, out var entry, out _))
            {
                return;
            }

            // A write over part of a buffer valid on the device only loses the rest: ToHost must come first.
            if (entry.State == MirrorState.Device && span.Length < entry.Array.Length && Verify)
            {
                throw new InvalidOperationException($"Residency: {cause} wrote into a tensor buffer of {entry.Array.Length} floats whose data lives on the device without declaring ToHost first (allocated at {entry.AllocatedAt}).");
            }

            entry.State = MirrorState.Host;
            entry.Writer = cause;
            entry.Imported = import;
        }
    }

    /// <summary>Checks every buffer (with <see cref="Verify"/>) and gives every mirror back to the pool.</summary>
    private void End()
    {
        lock (_gate)
        {
            try
            {
                foreach (var entry in _entries)
                {
                    CheckHost(entry);
                }
            }
            finally
            {
                foreach (var entry in _entries)
                {
                    Drop(entry);
                }

                _entries.Clear();
                _byArray.Clear();
                _pool.TrimMirrors();
            }
        }
    }

    private void MakeDeviceValid(Entry entry)
    {
        CheckHost(entry);
        entry.Buffer ??= _pool.RentMirror(entry.Array.Length);
        switch (entry.State)
        {
            case MirrorState.Zero when !entry.Array.AsSpan().ContainsAnyExcept(0f):
                entry.View.MemSetToZero();
                entry.State = MirrorState.Both;
                break;
            case MirrorState.Zero:
            case MirrorState.Fresh:
            case MirrorState.Host:
                entry.View.CopyFromCPU(entry.Array);
                if (entry.Imported)
                {
                    DeviceTrafficMeter.Current?.Imported(4L * entry.Array.Length);
                }
                else
                {
                    // Written by host code: declared (a re-upload), or filled when handed out (a bounds or ones tensor).
                    Record(entry.Array.Length, toDevice: true, entry.Writer is null ? "host fill" + (entry.AllocatedAt is null ? "" : " at " + entry.AllocatedAt) : "re-upload after " + entry.Writer);
                }

                entry.Imported = false;
                entry.State = MirrorState.Both;
                break;
        }
    }

    private void MarkDevice(Entry entry)
    {
        entry.State = MirrorState.Device;
        entry.Writer = null;
        if (Verify)
        {
            MemoryMarshal.Cast<float, uint>(entry.Array.AsSpan()).Fill(PoisonBits);
        }
    }

    /// <summary>With <see cref="Verify"/>: the host copy must be what the state says (an undeclared host write otherwise).</summary>
    private void CheckHost(Entry entry)
    {
        if (!Verify)
        {
            return;
        }

        var host = entry.Array.AsSpan();
        string? problem = null;
        switch (entry.State)
        {
            case MirrorState.Device:
                problem = MemoryMarshal.Cast<float, uint>(host).ContainsAnyExcept(PoisonBits) ? "valid on the device only but written on the host" : null;
                break;
            case MirrorState.Both:
                var device = new float[host.Length];
                _pool.Accelerator.Synchronize();
                entry.View.CopyToCPU(device);
                problem = MemoryMarshal.Cast<float, uint>(host).SequenceEqual(MemoryMarshal.Cast<float, uint>(device.AsSpan())) ? null : "changed on the host after its last upload";
                break;
        }

        if (problem is not null)
        {
            throw new InvalidOperationException($"Residency: a tensor buffer of {host.Length} floats was {problem} without HostWrote (host code must declare its writes to the backend). It was allocated at {entry.AllocatedAt}.");
        }
    }

    /// <summary>The first frames of the calling code outside the backend's storage layer (with <see cref="Verify"/>: names untracked transfers).</summary>
    internal static string CallSite() => AllocationSite();

    /// <summary>The first frames of the allocating code outside the arena and this class (for the messages of <see cref="Verify"/>).</summary>
    private static string AllocationSite()
    {
        var frames = new System.Diagnostics.StackTrace(2, false).GetFrames()
            .Select(f => f.GetMethod())
            .Where(m => m?.DeclaringType is { } t && t != typeof(TensorArena) && t != typeof(Tensor) && t != typeof(IlgpuBufferPool) && t != typeof(IlgpuWorkspace) && t.Namespace?.StartsWith("Microsoft.ML.Lrp", StringComparison.Ordinal) == true
                && !(t == typeof(IlgpuBackend) && m.Name is "Download" or "Operand"))
            .Take(3)
            .Select(m => $"{m!.DeclaringType!.Name}.{m.Name}");
        return string.Join(" ← ", frames);
    }

    private void Record(long floats, bool toDevice, string cause) => DeviceTrafficMeter.Current?.RoundTrip(4L * floats, toDevice, cause);

    private void Drop(Entry entry)
    {
        if (entry.Buffer is not null)
        {
            _pool.ReturnMirror(entry.Buffer);
            entry.Buffer = null;
        }
    }

    private bool TryFind(ReadOnlySpan<float> span, out Entry entry, out long offset)
    {
        if (!span.IsEmpty && _entries.Count > 0)
        {
            ref float first = ref MemoryMarshal.GetReference(span);
            // The last buffer hit is the likeliest (an operation's operands and result are often the same buffer).
            if (_lastHit < _entries.Count && Contains(_entries[_lastHit], span.Length, ref first, out offset))
            {
                entry = _entries[_lastHit];
                return true;
            }

            for (int i = _entries.Count - 1; i >= 0; i--)
            {
                if (Contains(_entries[i], span.Length, ref first, out offset))
                {
                    _lastHit = i;
                    entry = _entries[i];
                    return true;
                }
            }
        }

        entry = null!;
        offset = 0;
        return false;
    }

    private static bool Contains(Entry entry, int length, ref float first, out long offset)
    {
        // Both references are tracked by the GC, so the offset is exact even if the array moves.
        offset = Unsafe.ByteOffset(ref MemoryMarshal.GetArrayDataReference(entry.Array), ref first) / sizeof(float);
        return offset >= 0 && offset + length <= entry.Array.Length;
    }

    private static bool SameMemory(ArrayView<float> a, ArrayView<float> b)
        => a.Length == b.Length && a.LoadEffectiveAddressAsPtr() == b.LoadEffectiveAddressAsPtr();

    private sealed class Entry(float[] array)
    {
        public float[] Array { get; } = array;

        public MirrorState State { get; set; }

        /// <summary>Whether the host copy is the pass's import (the input, a capture, the seed): its upload is counted as such.</summary>
        public bool Imported { get; set; }

        /// <summary>Where the buffer was handed out (with <see cref="Verify"/> only).</summary>
        public string? AllocatedAt { get; set; }

        /// <summary>The host code that last declared a write (null: none since the buffer was handed out).</summary>
        public string? Writer { get; set; }

        public MemoryBuffer1D<float, Stride1D.Dense>? Buffer { get; set; }

        public ArrayView<float> View => ((ArrayView<float>)Buffer!.View).SubView(0, Array.Length);
    }

    private sealed class PassScope(IlgpuWorkspace workspace, IlgpuWorkspace? previous, TensorArena.ObserverScope observer) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            observer.Dispose();
            Active.Value = previous;
            workspace.End();
        }
    }
}
