using System.Diagnostics;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>Timing helpers: warm-up runs first, then the median of the timed runs.</summary>
internal static class Measure
{
    public static double MedianMilliseconds(Action run, int warmup, int iterations)
    {
        WarmUp(run, warmup);

        var times = new double[iterations];
        for (int i = 0; i < iterations; i++)
        {
            long start = Stopwatch.GetTimestamp();
            run();
            times[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(times);
        return iterations % 2 == 1 ? times[iterations / 2] : (times[(iterations / 2) - 1] + times[iterations / 2]) / 2;
    }

    /// <summary>
    /// Runs <paramref name="run"/> at least <paramref name="minimum"/> times (none when it is 0), then on until the JIT
    /// is quiet: two runs in a row that added under a millisecond of compilation (at most 40 more runs or 20 s). The
    /// runtime recompiles hot methods in the background for a second or more after they start (tiered compilation:
    /// about 2,500 methods and 1.4 s of JIT time on the MiniLM rows here), so fixed warm-up counts timed the library
    /// partly unoptimised and while the JIT took one of the two cores; ONNX Runtime, native code, has no such phase.
    /// First use is measured on its own by the cold-start rows.
    /// </summary>
    public static void WarmUp(Action run, int minimum)
    {
        if (minimum <= 0)
        {
            return;
        }

        for (int i = 0; i < minimum; i++)
        {
            run();
        }

        var deadline = Stopwatch.StartNew();
        int quiet = 0;
        for (int extra = 0; extra < 40 && quiet < 2 && deadline.Elapsed.TotalSeconds < 20; extra++)
        {
            double before = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds;
            run();
            quiet = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds - before < 1.0 ? quiet + 1 : 0;
        }
    }

    /// <summary>With LRP_PROFILE=1, prints the relevance pass's per-step times (warm-ups included) to stderr and resets them.</summary>
    public static void PrintProfile(string title)
    {
        if (Engine.StepProfiler.Enabled)
        {
            Console.Error.WriteLine($"--- profile: {title} ---");
            Console.Error.Write(Engine.StepProfiler.Report());
            Console.Error.WriteLine($"GC so far: gen0 {GC.CollectionCount(0)}, gen1 {GC.CollectionCount(1)}, gen2 {GC.CollectionCount(2)}, pauses {GC.GetTotalPauseDuration().TotalMilliseconds:F0} ms, allocated {GC.GetTotalAllocatedBytes() / (1 << 20)} MiB; thread pool threads {ThreadPool.ThreadCount}");
            Engine.StepProfiler.Reset();
        }
    }

    public static double PeakWorkingSetMiB()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.PeakWorkingSet64 / (1024.0 * 1024.0);
    }

    public static float[] RandomInput(int length, int seed, float low, float high)
    {
        var random = new Random(seed);
        var values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = low + ((high - low) * random.NextSingle());
        }

        return values;
    }
}
