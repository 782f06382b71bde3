using System.Collections.Concurrent;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// Exact-length float arrays reused across relevance steps and batches for intermediates that never leave a rule
/// (the denominators and quotients of a linear rule), so that large arrays are not allocated and zeroed per step.
/// Rented arrays hold stale values. A few arrays per length are kept; thread-safe.
/// </summary>
internal static class LinearScratch
{
    private const int KeptPerLength = 4;

    /// <summary>Arrays of fewer floats are simply allocated.</summary>
    private const int MinimumLength = 1 << 14;

    private static readonly ConcurrentDictionary<int, ConcurrentBag<float[]>> Free = new();

    public static float[] Rent(int length)
    {
        var array = length >= MinimumLength && Free.TryGetValue(length, out var bag) && bag.TryTake(out var free) ? free : new float[length];
        Tensors.TensorArena.Borrowed(array);
        return array;
    }

    public static void Return(float[] array)
    {
        // A device backend's pass workspace drops its mirror (the arena itself keeps only the buffers it made).
        Tensors.TensorArena.Release(array);
        if (array.Length < MinimumLength)
        {
            return;
        }

        var bag = Free.GetOrAdd(array.Length, _ => []);
        if (bag.Count < KeptPerLength)
        {
            bag.Add(array);
        }
    }
}
