using System.Runtime.CompilerServices;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>
/// Recycles the large output arrays of replay kernels. A transformer pass at batch 8 rebuilds megabytes per replay,
/// and fresh large-object-heap arrays cost page faults once the GC has given their memory back to the OS, so a
/// replay that takes the array of a released one is several times faster. Only arrays handed out by
/// <see cref="Rent"/> are taken back, each once; the caller of <see cref="Return"/> guarantees nothing reads the array
/// afterwards (no live value shares it). Without returns this is plain allocation.
/// </summary>
internal static class ReplayBuffers
{
    private const int MinimumLength = 1 << 15;
    private const long MaximumPooledBytes = 128L << 20;

    private static readonly ConditionalWeakTable<float[], object> Issued = [];
    private static readonly Dictionary<int, Stack<float[]>> Free = [];
    private static readonly Lock Gate = new();
    private static readonly object Marker = new();
    private static long _pooledBytes;

    /// <summary>An array of <paramref name="length"/> floats with arbitrary contents (a released replay output when one of that length is free).</summary>
    public static float[] Rent(int length)
    {
        if (length < MinimumLength)
        {
            return GC.AllocateUninitializedArray<float>(length);
        }

        lock (Gate)
        {
            if (Free.TryGetValue(length, out var stack) && stack.Count > 0)
            {
                var array = stack.Pop();
                _pooledBytes -= 4L * length;
                Issued.AddOrUpdate(array, Marker);
                return array;
            }
        }

        var fresh = GC.AllocateUninitializedArray<float>(length);
        lock (Gate)
        {
            Issued.AddOrUpdate(fresh, Marker);
        }

        return fresh;
    }

    /// <summary>Takes back an array from <see cref="Rent"/> that nothing reads any more; other arrays, and second returns, are ignored.</summary>
    public static void Return(float[] array)
    {
        lock (Gate)
        {
            if (!Issued.Remove(array) || _pooledBytes + (4L * array.Length) > MaximumPooledBytes)
            {
                return;
            }

            if (!Free.TryGetValue(array.Length, out var stack))
            {
                stack = new Stack<float[]>();
                Free[array.Length] = stack;
            }

            stack.Push(array);
            _pooledBytes += 4L * array.Length;
        }
    }
}
