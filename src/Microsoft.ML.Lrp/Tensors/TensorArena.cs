using System.Runtime.CompilerServices;

namespace Microsoft.ML.Lrp.Tensors;

/// <summary>
/// Reuses the large float buffers of relevance passes. A fresh multi-megabyte array costs the kernel a page fault
/// and a zeroing per 4 KiB page, which measured about 12× slower than clearing a reused one; a pass allocates its
/// captured activations, rebuilt activations and relevance tensors anew on every batch, and most die within a few
/// steps. While a pass runs on a thread (<see cref="Enter"/>), <see cref="Tensor"/>'s shape constructor takes its
/// buffer from here; the pass hands back buffers its schedule says are dead (<see cref="Return"/>) once no live
/// tensor shares them. Only buffers this arena made are taken back, so a caller's or a constant's array never is.
/// One thread at a time: an explainer lends its arena to one pass and makes a temporary one for concurrent passes.
/// </summary>
internal sealed class TensorArena
{
    /// <summary>Below 64 KiB a fresh array is cheap (small-object heap), so it is not pooled.</summary>
    private const int DefaultMinimumLength = 16 * 1024;

    /// <summary>At most this many bytes are kept free between passes.</summary>
    private const long MaximumFreeBytes = 2L << 30;

    [ThreadStatic]
    private static TensorArena? t_current;

    [ThreadStatic]
    private static ITensorArrayObserver? t_observer;

    private readonly Dictionary<int, Stack<float[]>> _free = [];
    private readonly ConditionalWeakTable<float[], object> _made = [];
    private readonly HashSet<float[]> _isFree = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<int> _requestedLengths = [];
    private long _freeBytes;
    private long _madeBytes;
    private long _inUseBytes;
    private long _peakInUseBytes;

    /// <summary>
    /// Arrays shorter than this are not pooled (fresh small arrays are cheap). Tests set 0 so that every buffer of a
    /// small network goes through the arena, which makes a buffer a pass forgets to hand back visible in
    /// <see cref="MadeBytes"/>.
    /// </summary>
    internal int MinimumLength { get; set; } = DefaultMinimumLength;

    /// <summary>
    /// When set (tests), the stack trace of each buffer taken from this arena and not yet handed back, so that a
    /// buffer a pass forgets can be traced to the code that took it.
    /// </summary>
    internal Dictionary<float[], string>? Outstanding { get; set; }

    /// <summary>Bytes of the buffers this arena made (some may have been handed out for good, e.g. a result).</summary>
    internal long MadeBytes => _madeBytes;

    /// <summary>
    /// The most bytes of this arena's buffers taken and not yet given back at one time within one pass (counted from
    /// each <see cref="Enter"/>; a buffer a pass keeps, such as its result, counts until the pass ends).
    /// </summary>
    internal long PeakInUseBytes => _peakInUseBytes;

    /// <summary>Bytes kept free for the next pass.</summary>
    internal long FreeBytes => _freeBytes;

    /// <summary>A float array of <paramref name="length"/> elements, zeroed unless <paramref name="clear"/> is false; from the current thread's arena when one is entered.</summary>
    public static float[] Allocate(int length, bool clear = true)
    {
        var arena = t_current;
        var data = arena is null || length < arena.MinimumLength
            ? clear ? new float[length] : GC.AllocateUninitializedArray<float>(length)
            : arena.Take(length, clear);
        t_observer?.Allocated(data, clear);
        return data;
    }

    /// <summary>Hands <paramref name="data"/> back to the current thread's arena, if any (see <see cref="Return"/>).</summary>
    public static void Release(float[] data)
    {
        t_observer?.Released(data);
        t_current?.Return(data);
    }

    /// <summary>
    /// Hands <paramref name="data"/> back unless it is <paramref name="sharedWith"/>: for a broadcast, reduction or
    /// reshape, which returns a view of its operand's buffer when it has nothing to copy, so that only a copy made
    /// for this step is released.
    /// </summary>
    public static void ReleaseUnlessShared(float[] data, float[] sharedWith)
    {
        if (!ReferenceEquals(data, sharedWith))
        {
            Release(data);
        }
    }

    /// <summary>
    /// Tells the observer that <paramref name="data"/>, from another pool, serves a tensor of this pass until it is
    /// handed back through <see cref="Release"/> (its contents are undefined: host code may fill it).
    /// </summary>
    public static void Borrowed(float[] data) => t_observer?.Allocated(data, cleared: false);

    /// <summary>Declares that host code (<paramref name="reader"/>) reads <paramref name="data"/> (see <see cref="ITensorArrayObserver.ReadOnHost"/>).</summary>
    public static void ReadOnHost(float[] data, [System.Runtime.CompilerServices.CallerMemberName] string reader = "") => t_observer?.ReadOnHost(data, reader);

    /// <summary>Tells <paramref name="observer"/> about this thread's tensor buffers until the returned scope is disposed (scopes nest).</summary>
    public static ObserverScope Observe(ITensorArrayObserver observer)
    {
        var previous = t_observer;
        t_observer = observer;
        return new ObserverScope(previous);
    }

    /// <summary>Makes this arena the current thread's until the returned scope is disposed (scopes nest).</summary>
    public Scope Enter()
    {
        var previous = t_current;
        t_current = this;
        _inUseBytes = 0;
        return new Scope(this, previous);
    }

    /// <summary>Takes <paramref name="data"/> back if this arena made it and it is not free already; the caller guarantees nothing uses it any more.</summary>
    public void Return(float[] data)
    {
        if (data.Length < MinimumLength || _freeBytes + (4L * data.Length) > MaximumFreeBytes || !_made.TryGetValue(data, out _) || !_isFree.Add(data))
        {
            return;
        }

        if (!_free.TryGetValue(data.Length, out var stack))
        {
            stack = new Stack<float[]>();
            _free[data.Length] = stack;
        }

        stack.Push(data);
        Outstanding?.Remove(data);
        _freeBytes += 4L * data.Length;
        _inUseBytes -= 4L * data.Length;
    }

    private float[] Take(int length, bool clear)
    {
        var data = TakeBuffer(length, clear);
        if (Outstanding is not null)
        {
            Outstanding[data] = Environment.StackTrace;
        }

        return data;
    }

    private float[] TakeBuffer(int length, bool clear)
    {
        _requestedLengths.Add(length);
        if (_free.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            var data = stack.Pop();
            _isFree.Remove(data);
            _freeBytes -= 4L * length;
            InUse(length);
            if (clear)
            {
                Array.Clear(data);
            }

            return data;
        }

        var made = GC.AllocateUninitializedArray<float>(length);
        if (clear)
        {
            Array.Clear(made);
        }

        _made.Add(made, this);
        _madeBytes += 4L * length;
        InUse(length);
        return made;
    }

    private void InUse(int length)
    {
        _inUseBytes += 4L * length;
        _peakInUseBytes = Math.Max(_peakInUseBytes, _inUseBytes);
    }

    /// <summary>Drops free buffers of lengths the last pass did not ask for (a smaller last batch, another model shape).</summary>
    private void Trim()
    {
        foreach (var length in _free.Keys.Where(l => !_requestedLengths.Contains(l)).ToList())
        {
            foreach (var data in _free[length])
            {
                _isFree.Remove(data);
                _freeBytes -= 4L * length;
                _madeBytes -= 4L * length;
            }

            _free.Remove(length);
        }

        _requestedLengths.Clear();
    }

    /// <summary>Restores the thread's previous arena and trims this one.</summary>
    public readonly struct Scope(TensorArena arena, TensorArena? previous) : IDisposable
    {
        public void Dispose()
        {
            t_current = previous;
            arena.Trim();
        }
    }

    /// <summary>Restores the thread's previous observer.</summary>
    public readonly struct ObserverScope(ITensorArrayObserver? previous) : IDisposable
    {
        public void Dispose() => t_observer = previous;
    }
}
