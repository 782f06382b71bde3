using System.Diagnostics;
using System.Globalization;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// Re-launches this benchmark (or another program) as a child process and collects its tagged output lines.
/// The cold-start and peak-memory rows need a process of their own: nothing JIT-compiled, loaded or allocated by the
/// other rows may count.
/// </summary>
internal static class ChildProcess
{
    /// <summary>Runs this benchmark with <paramref name="arguments"/>; returns its standard output and the wall time from start to exit.</summary>
    public static (string Output, TimeSpan Wall) RunSelf(IEnumerable<string> arguments, int timeoutSeconds = 600)
    {
        string path = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark's own executable is unknown.");
        var all = new List<string>();
        if (Path.GetFileNameWithoutExtension(path) == "dotnet")
        {
            // Started as `dotnet Microsoft.ML.Lrp.Benchmarks.dll`: the child needs the assembly path too.
            all.Add(typeof(ChildProcess).Assembly.Location);
        }

        all.AddRange(arguments);
        return Run(path, all, timeoutSeconds);
    }

    public static (string Output, TimeSpan Wall) Run(string fileName, IEnumerable<string> arguments, int timeoutSeconds)
    {
        var info = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        long start = Stopwatch.GetTimestamp();
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutSeconds * 1000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', info.ArgumentList)} ran past {timeoutSeconds} s.");
        }

        process.WaitForExit();
        TimeSpan wall = Stopwatch.GetElapsedTime(start);
        string output = stdout.Result;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', info.ArgumentList)} exited with {process.ExitCode}: {Tail(output + stderr.Result)}");
        }

        return (output, wall);
    }

    /// <summary>The <c>key=value</c> fields of the first output line that starts with <paramref name="tag"/>.</summary>
    public static Dictionary<string, string> Fields(string output, string tag)
    {
        string line = output.Split('\n').FirstOrDefault(l => l.StartsWith(tag + " ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"No '{tag}' line in the child's output: {Tail(output)}");
        return line[(tag.Length + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1]);
    }

    public static double Number(Dictionary<string, string> fields, string key) => double.Parse(fields[key], CultureInfo.InvariantCulture);

    /// <summary>This process's peak resident set (VmHWM) in bytes; the peak working set where /proc is absent.</summary>
    public static long PeakResidentBytes()
    {
        const string Status = "/proc/self/status";
        if (File.Exists(Status))
        {
            string? line = File.ReadLines(Status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            if (line is not null)
            {
                string kib = line["VmHWM:".Length..].Trim().Split(' ')[0];
                return long.Parse(kib, CultureInfo.InvariantCulture) * 1024;
            }
        }

        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    /// <summary>
    /// Seconds since the OS started this process (runtime start-up included): /proc/uptime minus the start time in
    /// /proc/self/stat (both in the boot clock, 10 ms resolution); elsewhere DateTime.Now − Process.StartTime.
    /// </summary>
    public static double SecondsSinceProcessStart()
    {
        if (File.Exists("/proc/uptime") && File.Exists("/proc/self/stat"))
        {
            double uptime = double.Parse(File.ReadAllText("/proc/uptime").Split(' ')[0], CultureInfo.InvariantCulture);
            string stat = File.ReadAllText("/proc/self/stat");
            string[] afterName = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            double startTicks = double.Parse(afterName[19], CultureInfo.InvariantCulture); // field 22: starttime, in 1/100 s (USER_HZ)
            return uptime - (startTicks / 100.0);
        }

        using var self = Process.GetCurrentProcess();
        return (DateTime.Now - self.StartTime).TotalSeconds;
    }

    private static string Tail(string text) => text.Length <= 2000 ? text : text[^2000..];
}
