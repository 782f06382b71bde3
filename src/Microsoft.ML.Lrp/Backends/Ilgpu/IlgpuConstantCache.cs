using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// Device copies of the arrays declared constant (<see cref="IRelevanceBackend.DeclareConstant"/>: weights and their
/// cached variants), one per array, uploaded the first time a span of it is an operand and kept until the backend
/// is disposed. An operand is recognised by address: a span lying inside a declared array (the array itself or a
/// slice of it) is served from the device copy. Callers hold the device's gate.
/// </summary>
internal sealed class IlgpuConstantCache(Accelerator accelerator) : IDisposable
{
    private readonly Dictionary<float[], Entry> _byArray = new(ReferenceEqualityComparer.Instance);
    private readonly List<Entry> _entries = [];

    /// <summary>Bytes of the device copies.</summary>
    public long Bytes => _entries.Sum(e => e.Buffer?.LengthInBytes ?? 0);

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

        _entries.Clear();
        _byArray.Clear();
    }

    private sealed class Entry(float[] array)
    {
        public float[] Array { get; } = array;

        public MemoryBuffer1D<float, Stride1D.Dense>? Buffer { get; set; }
    }
}
