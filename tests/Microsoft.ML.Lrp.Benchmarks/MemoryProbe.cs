using System.Globalization;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// <c>-- --memory [--policy CaptureAll|MinimizeMemory|MinimizeTime] [--iterations N] [--collect-after-first] [--trim] [--census]</c>: a process that only explains
/// ResNet18 at batch 8 (EpsilonPlusFlat, no ONNX Runtime baseline before it), printing after each phase the resident
/// set (anonymous and file-backed), its peak and the managed heap, so that the peak can be split into its parts.
/// </summary>
internal static class MemoryProbe
{
    public static int Run(string[] args, string modelFile, string inputName)
    {
        if (args.Contains("--no-ort-conv"))
        {
            Backends.Cpu.OrtConvKernels.Enabled = false;
        }

        string policy = args.SkipWhile(a => a != "--policy").Skip(1).FirstOrDefault() ?? nameof(LrpCapturePolicy.MinimizeMemory);
        int iterations = int.Parse(args.SkipWhile(a => a != "--iterations").Skip(1).FirstOrDefault() ?? "6", CultureInfo.InvariantCulture);
        const int Batch = 8;
        float[] images = Measure.RandomInput(Batch * 3 * 224 * 224, seed: 2, -128f, 128f);
        Print("start");
        var options = new LrpOptions
        {
            ModelFile = modelFile,
            InputColumnName = inputName,
            Composite = LrpComposite.EpsilonPlusFlat,
            BatchSize = Batch,
            CapturePolicy = Enum.Parse<LrpCapturePolicy>(policy),
        };
        using var explainer = new LrpExplainer(options);
        Print("explainer built");
        var times = new List<double>();
        for (int i = 0; i < iterations; i++)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            explainer.Explain(images, Batch);
            Console.Write(string.Create(CultureInfo.InvariantCulture, $"[allocated {(GC.GetTotalAllocatedBytes(precise: true) - allocated) >> 20} MiB] "));
            times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds / Batch);
            if (i == 0 && args.Contains("--collect-after-first"))
            {
                // The first explanation builds the convolution sessions (model bytes, flipped weights: one-time
                // garbage); collecting it at once, large objects compacted, shows what the peak owes to it.
                System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            }

            if (args.Contains("--trim"))
            {
                MallocTrim(0);
            }

            Print($"explain {i + 1}");
            if (Engine.StepProfiler.Enabled)
            {
                Console.Error.Write(Engine.StepProfiler.Report());
                Engine.StepProfiler.Reset();
            }

            if (explainer.Arena is { } arena)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  tensor arena: made {arena.MadeBytes >> 20} MiB, most in use at once {arena.PeakInUseBytes >> 20} MiB, kept free {arena.FreeBytes >> 20} MiB"));
            }
        }

        if (args.Contains("--census"))
        {
            var roots = new List<(string, object?)>();
            roots.AddRange(HeapCensus.Statics(typeof(Backends.Cpu.OrtConvKernels)));
            roots.AddRange(HeapCensus.Statics(typeof(Rules.Linear.LinearScratch)));
            roots.Add(("explainer", explainer));
            long sum = 0;
            foreach (var (owner, bytes, count) in HeapCensus.Take([.. roots]))
            {
                sum += bytes;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bytes >> 20,6} MiB {count,5} arrays  {owner}"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {sum >> 20,6} MiB in all (arrays of 64 KiB or more reachable from these roots)"));
        }

        times.Sort();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"policy {policy}: captured {explainer.Statistics.CapturedBytesPerSample:N0} bytes/image; ms/image median {times[times.Count / 2]:F1} (min {times[0]:F1})"));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Print("after full GC");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PEAK {Status("VmHWM") >> 10} MiB"));
        if (args.Contains("--hold"))
        {
            // Time for dotnet-gcdump or a look at /proc/PID/smaps.
            Console.WriteLine($"holding 60 s, pid {Environment.ProcessId}");
            Thread.Sleep(60_000);
            GC.KeepAlive(explainer);
        }

        return 0;
    }

    /// <summary>glibc's <c>struct mallinfo2</c> (ten size_t fields).</summary>
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 MallInfo();

    /// <summary>Native heap (glibc malloc): bytes in use (small blocks and mmapped ones) and bytes free but kept, in MiB.</summary>
    private static (long InUse, long Free) Native()
    {
        try
        {
            var m = MallInfo();
            return ((long)(m.Uordblks + m.Hblkhd) >> 20, (long)m.Fordblks >> 20);
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return (0, 0);
        }
    }

    private static void Print(string phase)
    {
        var gc = GC.GetGCMemoryInfo();
        var (nativeInUse, nativeFree) = Native();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{phase,-16} rss {Status("VmRSS") >> 10,5} MiB (anon {Status("RssAnon") >> 10,5}, file {Status("RssFile") >> 10,4}), peak {Status("VmHWM") >> 10,5}; managed heap {gc.HeapSizeBytes >> 20,5} MiB, committed {gc.TotalCommittedBytes >> 20,5}, fragmented {gc.FragmentedBytes >> 20,4}, GC count {GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}; malloc in use {nativeInUse,5} MiB, free kept {nativeFree,4}"));
    }

    /// <summary>A field of /proc/self/status in KiB (0 where there is none).</summary>
    private static long Status(string field)
    {
        const string StatusFile = "/proc/self/status";
        if (!File.Exists(StatusFile))
        {
            return 0;
        }

        foreach (string line in File.ReadLines(StatusFile))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
