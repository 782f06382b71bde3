using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// A developer aid: with the environment variable <c>LRP_PROFILE=1</c> the relevance pass adds the wall time of
/// every schedule action (and of the ONNX Runtime run) to a table keyed by what ran, which the benchmark prints.
/// Off by default; when off it costs one static bool test per action.
/// </summary>
internal static class StepProfiler
{
    private static readonly ConcurrentDictionary<string, (long Ticks, long Calls)> Totals = new(StringComparer.Ordinal);

    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("LRP_PROFILE") == "1";

    public static long Start() => Enabled ? Stopwatch.GetTimestamp() : 0;

    public static void Stop(long start, string key)
    {
        if (!Enabled)
        {
            return;
        }

        long elapsed = Stopwatch.GetTimestamp() - start;
        Totals.AddOrUpdate(key, (elapsed, 1), (_, t) => (t.Ticks + elapsed, t.Calls + 1));
    }

    public static void Reset() => Totals.Clear();

    /// <summary>The table, slowest first: key, total milliseconds, calls, share of the total.</summary>
    public static string Report()
    {
        var rows = Totals.OrderByDescending(kv => kv.Value.Ticks).ToList();
        double all = rows.Sum(kv => kv.Value.Ticks);
        var text = new StringBuilder();
        foreach (var (key, (ticks, calls)) in rows)
        {
            double ms = ticks * 1000.0 / Stopwatch.Frequency;
            text.AppendLine(CultureInfo.InvariantCulture, $"{ms,10:F1} ms {calls,7} calls {100 * ticks / Math.Max(all, 1),6:F1} %  {key}");
        }

        return text.ToString();
    }
}
