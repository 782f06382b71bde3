using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Microsoft.ML.Lrp.Engine;

/// <summary>
/// A developer aid: with the environment variable <c>LRP_PROFILE=1</c> (or <c>cpu</c>) the relevance pass adds the wall time of
/// every schedule action (and of the ONNX Runtime run) to a table keyed by what ran, which the benchmark prints;
/// on a device backend, with the host↔device bytes, launches and backend calls of each action.
/// Off by default; when off it costs one static bool test per action.
/// </summary>
internal static class StepProfiler
{
    private static readonly ConcurrentDictionary<string, (long Ticks, long Calls)> Totals = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, double> CpuMs = new(StringComparer.Ordinal);
    private static readonly Process Self = Process.GetCurrentProcess();

    [ThreadStatic]
    private static double t_cpuAtStart;

    [ThreadStatic]
    private static long t_bytesAtStart;

    private static readonly ConcurrentDictionary<string, long> Bytes = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, LrpDeviceTraffic> Traffic = new(StringComparer.Ordinal);

    [ThreadStatic]
    private static LrpDeviceTraffic? t_trafficAtStart;

    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("LRP_PROFILE") is "1" or "cpu";

    /// <summary>
    /// With <c>LRP_PROFILE=cpu</c>, also the process's CPU time and the managed bytes allocated per action: on a
    /// loaded machine wall time mostly measures waiting, CPU time the work (each action then costs a read of
    /// /proc, tens of microseconds).
    /// </summary>
    private static bool CpuEnabled { get; } = Environment.GetEnvironmentVariable("LRP_PROFILE") == "cpu";

    /// <summary>With <c>LRP_PROFILE=1</c>, writes a construction phase to stderr: time since <paramref name="start"/>, the process's working set and its peak, and the managed heap.</summary>
    public static void Phase(long start, string phase)
    {
        if (!Enabled)
        {
            return;
        }

        using var process = Process.GetCurrentProcess();
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[plan] {phase}: {Stopwatch.GetElapsedTime(start).TotalMilliseconds:F0} ms, working set {process.WorkingSet64 >> 20} MiB (peak {process.PeakWorkingSet64 >> 20}), managed heap {GC.GetTotalMemory(false) >> 20} MiB"));
    }

    public static long Start()
    {
        if (!Enabled)
        {
            return 0;
        }

        t_trafficAtStart = Backends.Ilgpu.DeviceTrafficMeter.Current?.Snapshot();
        if (CpuEnabled)
        {
            Self.Refresh();
            t_cpuAtStart = Self.TotalProcessorTime.TotalMilliseconds;
            t_bytesAtStart = GC.GetTotalAllocatedBytes(false);
        }

        return Stopwatch.GetTimestamp();
    }

    public static void Stop(long start, string key)
    {
        if (!Enabled)
        {
            return;
        }

        long elapsed = Stopwatch.GetTimestamp() - start;
        if (CpuEnabled)
        {
            Self.Refresh();
            double cpu = Self.TotalProcessorTime.TotalMilliseconds - t_cpuAtStart;
            CpuMs.AddOrUpdate(key, cpu, (_, c) => c + cpu);
            long bytes = GC.GetTotalAllocatedBytes(false) - t_bytesAtStart;
            Bytes.AddOrUpdate(key, bytes, (_, c) => c + bytes);
        }

        Totals.AddOrUpdate(key, (elapsed, 1), (_, t) => (t.Ticks + elapsed, t.Calls + 1));
        if (t_trafficAtStart is { } before && Backends.Ilgpu.DeviceTrafficMeter.Current?.Snapshot() is { } after)
        {
            var delta = new LrpDeviceTraffic(after.HostToDeviceBytes - before.HostToDeviceBytes, after.DeviceToHostBytes - before.DeviceToHostBytes, after.KernelLaunches - before.KernelLaunches, after.BackendCalls - before.BackendCalls);
            Traffic.AddOrUpdate(key, delta, (_, t) => new(t.HostToDeviceBytes + delta.HostToDeviceBytes, t.DeviceToHostBytes + delta.DeviceToHostBytes, t.KernelLaunches + delta.KernelLaunches, t.BackendCalls + delta.BackendCalls));
        }
    }

    public static void Reset()
    {
        Totals.Clear();
        CpuMs.Clear();
        Bytes.Clear();
        Traffic.Clear();
    }

    /// <summary>The table, slowest first: key, total milliseconds, calls, share of the total.</summary>
    public static string Report()
    {
        var rows = Totals.OrderByDescending(kv => kv.Value.Ticks).ToList();
        double all = rows.Sum(kv => kv.Value.Ticks);
        var text = new StringBuilder();
        foreach (var (key, (ticks, calls)) in rows)
        {
            double ms = ticks * 1000.0 / Stopwatch.Frequency;
            string device = Traffic.TryGetValue(key, out var t) && (t.BackendCalls > 0 || t.HostToDeviceBytes > 0)
                ? $"  [device: H→D {t.HostToDeviceBytes / 1e6:F2} MB, D→H {t.DeviceToHostBytes / 1e6:F2} MB, {t.KernelLaunches} launches, {t.BackendCalls} calls]"
                : "";
            string cpu = CpuEnabled ? string.Create(CultureInfo.InvariantCulture, $"cpu {CpuMs.GetValueOrDefault(key),9:F1} ms {Bytes.GetValueOrDefault(key) / (1 << 20),7} MiB  ") : "";
            text.AppendLine(CultureInfo.InvariantCulture, $"{ms,10:F1} ms {calls,7} calls {100 * ticks / Math.Max(all, 1),6:F1} %  {cpu}{key}{device}");
        }

        return text.ToString();
    }
}
