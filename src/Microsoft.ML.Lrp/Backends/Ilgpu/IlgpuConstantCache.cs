using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// Device copies of the arrays declared constant (<see cref="IRelevanceBackend.DeclareConstant(float[])"/>: weights and their
/// cached variants), one per array, uploaded the first time a span of it is an operand and kept until the backend
/// is disposed. An operand is recognised by address: a span lying inside a declared array (the array itself or a
/// slice of it) is served from the device copy. Index maps declared constant (<c>DeclareConstant(int[])</c>: routing,
/// fast-forward and broadcast maps built once per batch shape) are kept the same way, whole arrays only, and so are
/// layout descriptors (a view's shape and strides, at most <see cref="MaxDescriptorLength"/> ints), recognised by
/// content. Callers hold the device's gate.
/// </summary>
internal sealed class IlgpuConstantCache(Accelerator accelerator) : IDisposable
{
    /// <summary>The longest int array kept as a descriptor (by content).</summary>
    public const int MaxDescriptorLength = 64;

    /// <summary>Descriptors kept at most; beyond it the oldest set is dropped (a process that sees ever new shapes).</summary>
    private const int MaxDescriptors = 4096;

    private readonly Dictionary<float[], Entry> _byArray = new(ReferenceEqualityComparer.Instance);
    private readonly List<Entry> _entries = [];
    private readonly Dictionary<int[], IntEntry> _ints = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, MemoryBuffer1D<int, Stride1D.Dense>> _descriptors = new(StringComparer.Ordinal);

    /// <summary>Bytes of the device copies.</summary>
    public long Bytes => _entries.Sum(e => e.Buffer?.LengthInBytes ?? 0) + _ints.Values.Sum(e => e.Buffer?.LengthInBytes ?? 0)
        + _descriptors.Values.Sum(b => b.LengthInBytes);

    /// <summary>Remembers the index map <paramref name="array"/> as constant (nothing is uploaded yet); false when already known.</summary>
    public bool Declare(int[] array)
    {
        if (array.Length == 0 || _ints.ContainsKey(array))
        {
            return false;
        }

        _ints.Add(array, new IntEntry());
        return true;
    }

    /// <summary>
    /// The device copy of the declared index map <paramref name="array"/> (uploaded on its first use, whose byte count
    /// <paramref name="uploadedBytes"/> returns), or false when it was not declared.
    /// </summary>
    public bool TryGet(int[] array, out ArrayView<int> view, out long uploadedBytes)
    {
        uploadedBytes = 0;
        if (!_ints.TryGetValue(array, out var entry))
        {
            view = default;
            return false;
        }

        if (entry.Buffer is null)
        {
            entry.Buffer = accelerator.Allocate1D<int>(array.Length);
            ((ArrayView<int>)entry.Buffer.View).CopyFromCPU(array);
            uploadedBytes = entry.Buffer.LengthInBytes;
        }

        view = entry.Buffer.View;
        return true;
    }

    /// <summary>
    /// The device copy of a layout descriptor with the contents of <paramref name="descriptor"/> (at most
    /// <see cref="MaxDescriptorLength"/> ints), uploaded the first time these contents are asked for.
    /// </summary>
    public ArrayView<int> Descriptor(ReadOnlySpan<int> descriptor, out long uploadedBytes)
    {
        if (descriptor.Length is 0 or > MaxDescriptorLength)
        {
            throw new ArgumentException($"A descriptor has 1 to {MaxDescriptorLength} ints, not {descriptor.Length}.", nameof(descriptor));
        }

        uploadedBytes = 0;
        string key = string.Join(',', descriptor.ToArray());
        if (!_descriptors.TryGetValue(key, out var buffer))
        {
            if (_descriptors.Count >= MaxDescriptors)
            {
                foreach (var old in _descriptors.Values)
                {
                    old.Dispose();
                }

                _descriptors.Clear();
            }

            buffer = accelerator.Allocate1D<int>(descriptor.Length);
            ((ArrayView<int>)buffer.View).CopyFromCPU(descriptor);
            _descriptors.Add(key, buffer);
            uploadedBytes = buffer.LengthInBytes;
        }

        return buffer.View;
    }

    /// <summary>Remembers <paramref name="array"/> as constant (nothing is uploaded yet); false when already known.</summary>
    public bool Declare(float[] array)
    {
        if (array.Length == 0 || _byArray.ContainsKey(array))
        {
            return false;
        }

        var entry = new Entry(array);
        _byArray.Add(array, entry);
        _entries.Add(entry);
        return true;
    }

    /// <summary>
    /// The device view of <paramref name="span"/> when it lies inside a declared array (uploading that array on its
    /// first use, whose byte count <paramref name="uploadedBytes"/> returns), or false.
    /// </summary>
    public bool TryGet(ReadOnlySpan<float> span, out ArrayView<float> view, out long uploadedBytes)
    {
        uploadedBytes = 0;
        if (!span.IsEmpty)
        {
            ref float first = ref MemoryMarshal.GetReference(span);
            foreach (var entry in _entries)
            {
                if (span.Length > entry.Array.Length)
                {
                    continue;
                }

                // Both references are tracked by the GC, so the offset is exact even if the array moves.
                long offset = Unsafe.ByteOffset(ref MemoryMarshal.GetArrayDataReference(entry.Array), ref first) / sizeof(float);
                if (offset >= 0 && offset + span.Length <= entry.Array.Length)
                {
                    if (entry.Buffer is null)
                    {
                        entry.Buffer = accelerator.Allocate1D<float>(entry.Array.Length);
                        ((ArrayView<float>)entry.Buffer.View).CopyFromCPU(entry.Array);
                        uploadedBytes = entry.Buffer.LengthInBytes;
                    }

                    view = ((ArrayView<float>)entry.Buffer.View).SubView(offset, span.Length);
                    return true;
                }
            }
        }

        view = default;
        return false;
    }

    public void Dispose()
    {
        foreach (var entry in _entries)
        {
            entry.Buffer?.Dispose();
        }

        foreach (var entry in _ints.Values)
        {
            entry.Buffer?.Dispose();
        }

        foreach (var buffer in _descriptors.Values)
        {
            buffer.Dispose();
        }

        _entries.Clear();
        _byArray.Clear();
        _ints.Clear();
        _descriptors.Clear();
    }

    private sealed class Entry(float[] array)
    {
        public float[] Array { get; } = array;

        public MemoryBuffer1D<float, Stride1D.Dense>? Buffer { get; set; }
    }

    private sealed class IntEntry
    {
        public MemoryBuffer1D<int, Stride1D.Dense>? Buffer { get; set; }
    }
}
