using System.Diagnostics;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>Timing helpers: warm-up runs first, then the median of the timed runs.</summary>
internal static class Measure
{
    public static double MedianMilliseconds(Action run, int warmup, int iterations)
    {
        for (int i = 0; i < warmup; i++)
        {
            run();
        }

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
