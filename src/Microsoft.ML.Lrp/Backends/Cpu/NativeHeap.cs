using System.Runtime.InteropServices;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Gives the C heap's free memory back to the operating system after ONNX Runtime built sessions. Building one
/// allocates and frees copies of its weights (the initializer read, constant folding, the NCHWc reorder); glibc
/// keeps such freed blocks, in the pool threads' arenas too, so a process's resident memory kept every session's
/// transient copies: a process explaining ResNet18 at batch 8 under EpsilonPlusFlat peaked at 1.34–1.39 GB without
/// trimming and 1.0–1.2 GB with it. A trim walks the whole heap (milliseconds), so the convolution sessions ask for
/// one only after every <see cref="TrimEveryBytes"/> of weights they loaded (a trim took 3–30 ms here, and a cold
/// ResNet18 image builds about 80 sessions: about 60 ms of trims in all this way). Linux with glibc only; elsewhere nothing happens.
/// </summary>
internal static partial class NativeHeap
{
    /// <summary>Weight bytes loaded into sessions between two trims.</summary>
    private const long TrimEveryBytes = 32L << 20;

    private static bool _unavailable = !OperatingSystem.IsLinux();
    private static long _loadedSinceTrim;

    /// <summary>Counts <paramref name="bytes"/> of weights a session just loaded, trimming once enough were.</summary>
    public static void Loaded(long bytes)
    {
        if (Interlocked.Add(ref _loadedSinceTrim, bytes) >= TrimEveryBytes)
        {
            Interlocked.Exchange(ref _loadedSinceTrim, 0);
            Trim();
        }
    }

    /// <summary>Releases free C-heap pages (glibc's <c>malloc_trim</c>); a no-op where there is no such call.</summary>
    public static void Trim()
    {
        if (_unavailable)
        {
            return;
        }

        try
        {
            MallocTrim(0);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            // musl and other C libraries have no malloc_trim.
            _unavailable = true;
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
