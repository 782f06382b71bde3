using System.Runtime.InteropServices;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Gives the C heap's free memory back to the operating system around ONNX Runtime's session builds. Building one
/// allocates and frees copies of its weights (the initializer read, constant folding, the NCHWc reorder); glibc
/// keeps such freed blocks, in the pool threads' arenas too, and the one-node sessions are built one after another
/// in growing sizes during the first explanation, so a process's resident memory kept every session's transient
/// copies. A process explaining ResNet18 at batch 8 under EpsilonPlusFlat (<c>--child peak-resnet8</c>) peaked at
/// 1.34–1.54 GB without trims and 1.20–1.25 GB with them. The price is paid on first use: a trim walks the heap
/// (3–30 ms here) and the pages it returns are faulted in again by later allocations — a cold ResNet18 image's
/// first explanation took 0.78–0.91 s against 0.62–0.67 s without trims. So the one-node sessions trim only after
/// every <see cref="TrimEveryBytes"/> of weights they loaded and once when an explanation that loaded some ends,
/// the explainer's constructor trims once at its end (the shape probes' arenas held every value of their runs; one
/// trim there instead of one per runner took about 50 ms off a cold <c>Fit</c>), and a disposed capture runner
/// trims. Linux with glibc only; elsewhere nothing happens.
/// </summary>
internal static partial class NativeHeap
{
    /// <summary>Weight bytes loaded into one-node sessions between two trims.</summary>
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

    /// <summary>Trims when sessions loaded weights since the last trim (called as an explanation ends).</summary>
    public static void TrimAfterLoads()
    {
        if (Interlocked.Exchange(ref _loadedSinceTrim, 0) > 0)
        {
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
