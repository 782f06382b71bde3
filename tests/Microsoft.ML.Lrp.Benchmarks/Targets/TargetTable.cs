using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// Issue 14's table (<c>--targets [--runs N] [--quick] [--zennit DIR]</c>): every row with its target and whether it
/// holds. Ratios are against ONNX Runtime's plain forward measured in the same run; memory and cold-start rows run in
/// child processes of their own. With <c>--runs N</c> the whole table is measured N times and each row's median printed.
/// </summary>
internal static class TargetTable
{
    public const string ResNetInput = "Input247";
    public const string ResNetOutput = "Pooling395_Output_0";
    private const int ImageSize = 3 * 224 * 224;

    public static string ResNetFile => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    public static int Run(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        bool quick = args.Contains("--quick");
        string? runsArg = args.SkipWhile(a => a != "--runs").Skip(1).FirstOrDefault();
        int runs = runsArg is null ? 1 : int.Parse(runsArg, CultureInfo.InvariantCulture);
        bool gammaOnly = args.Contains("--gamma-only");
        var all = new List<List<TargetRow>>();
        for (int r = 0; r < runs; r++)
        {
            all.Add(gammaOnly ? GammaRows(quick) : OneRun(args, quick));
            Console.Error.WriteLine($"run {r + 1}/{runs} done");
            if (runs > 1)
            {
                Print($"Run {r + 1} of {runs}", all[^1], quick);
            }
        }

        Print(runs == 1 ? "Issue 14 targets" : $"Issue 14 targets, median of {runs} full runs", Median(all), quick);
        return 0;
    }

    private static List<TargetRow> OneRun(string[] args, bool quick)
    {
        int It(int n) => quick ? 1 : n;
        var rows = new List<TargetRow>();

        // Processes of their own first (cold start, peak): nothing this process has loaded counts.
        rows.Add(Cold("cold-resnet", "Cold process: Fit + first explanation of one ResNet18 image (ML.NET)"));
        rows.Add(Cold("cold-minilm", "Cold process: Fit + first explanation of one MiniLM sentence, seq 128 (ML.NET)"));
        var (peakOutput, _) = ChildProcess.RunSelf(["--child", "peak-resnet8"]);
        var peak = ChildProcess.Fields(peakOutput, "PEAK");
        double peakGiB = ChildProcess.Number(peak, "rss_bytes") / (1024.0 * 1024 * 1024);
        rows.Add(new TargetRow("Peak working set, a process explaining ResNet18 b8", peakGiB, "GiB", 1.0, false, $"managed heap after the runs {ChildProcess.Number(peak, "heap_bytes") / (1024.0 * 1024 * 1024):F2} GiB"));

        float[] images = Measure.RandomInput(8 * ImageSize, seed: 2, -128f, 128f);
        byte[] resNet = File.ReadAllBytes(ResNetFile);
        double ort8 = ResNetOrtBatch8(resNet, images, It);
        var plus = new LrpOptions { ModelFile = ResNetFile, InputColumnName = ResNetInput, Composite = LrpComposite.EpsilonPlusFlat, BatchSize = 8 };
        double plusMs = ExplainMs(plus, images, 8, It(2), It(5), out _);
        rows.Add(Ratio("ResNet18 b8 EpsilonPlusFlat", plusMs, ort8, 3.1));
        var gamma = plus with { Composite = LrpComposite.EpsilonGammaBox, InputLowerBound = [-128f], InputUpperBound = [128f] };
        rows.Add(Ratio("ResNet18 b8 EpsilonGammaBox", ExplainMs(gamma, images, 8, It(2), It(5), out _), ort8, 4.2));
        // The same two rows under MinimizeTime (the default policy is MinimizeMemory): ZPlus's W⁺x and Gamma's γW⁺x
        // come from the capture run (forward products), at about twice the captured bytes.
        rows.Add(Ratio("ResNet18 b8 EpsilonPlusFlat, MinimizeTime", ExplainMs(plus with { CapturePolicy = LrpCapturePolicy.MinimizeTime }, images, 8, It(2), It(5), out _), ort8, 3.1));
        rows.Add(Ratio("ResNet18 b8 EpsilonGammaBox, MinimizeTime", ExplainMs(gamma with { CapturePolicy = LrpCapturePolicy.MinimizeTime }, images, 8, It(2), It(5), out _), ort8, 4.2));

        var miniLm = MiniLmBenchmark.Rows(quick).ToDictionary(r => r.Batch);
        rows.Add(Ratio("MiniLM seq 128 b8 AttnLrp", miniLm[8].LrpMsPerImage, miniLm[8].OrtMsPerImage, 2.4));

        float[] one = images[..ImageSize];
        double ort1;
        using (var ort = new OrtBaseline(resNet, ResNetInput, ResNetOutput, [3, 224, 224]))
        {
            ort1 = Measure.MedianMilliseconds(() => ort.Run(one, 1), It(3), It(15));
        }

        rows.Add(Ratio("ResNet18 b1 EpsilonPlusFlat", ExplainMs(plus with { BatchSize = 1 }, one, 1, It(3), It(7), out _), ort1, 3.5));
        rows.Add(Ratio("ResNet18 b1 EpsilonPlusFlat, MinimizeTime", ExplainMs(plus with { BatchSize = 1, CapturePolicy = LrpCapturePolicy.MinimizeTime }, one, 1, It(3), It(7), out _), ort1, 3.5));
        rows.Add(Ratio("MiniLM seq 128 b1 AttnLrp", miniLm[1].LrpMsPerImage, miniLm[1].OrtMsPerImage, 2.8));
        rows.Add(PipelineVersusExplainer(plus, images, It(1), It(5)));
        rows.Add(ZennitRow.Measure(args, () => { ExplainMs(plus, images, 8, It(1), It(3), out double ips); return ips; }, peakGiB));
        return rows;
    }

    /// <summary>
    /// <c>--targets --gamma-only</c>: only the two ResNet18 batch-8 composite rows (EpsilonPlusFlat as a control,
    /// EpsilonGammaBox) with their ORT baseline, in one process (issue 14's Gamma work).
    /// </summary>
    private static List<TargetRow> GammaRows(bool quick)
    {
        int It(int n) => quick ? 1 : n;
        float[] images = Measure.RandomInput(8 * ImageSize, seed: 2, -128f, 128f);
        double ort8 = ResNetOrtBatch8(File.ReadAllBytes(ResNetFile), images, It);
        var plus = new LrpOptions { ModelFile = ResNetFile, InputColumnName = ResNetInput, Composite = LrpComposite.EpsilonPlusFlat, BatchSize = 8 };
        var gamma = plus with { Composite = LrpComposite.EpsilonGammaBox, InputLowerBound = [-128f], InputUpperBound = [128f] };
        return
        [
            Ratio("ResNet18 b8 EpsilonPlusFlat", ExplainMs(plus, images, 8, It(2), It(5), out _), ort8, 3.1),
            Ratio("ResNet18 b8 EpsilonGammaBox", ExplainMs(gamma, images, 8, It(2), It(5), out _), ort8, 4.2),
            Ratio("ResNet18 b8 EpsilonPlusFlat, MinimizeTime", ExplainMs(plus with { CapturePolicy = LrpCapturePolicy.MinimizeTime }, images, 8, It(2), It(5), out _), ort8, 3.1),
            Ratio("ResNet18 b8 EpsilonGammaBox, MinimizeTime", ExplainMs(gamma with { CapturePolicy = LrpCapturePolicy.MinimizeTime }, images, 8, It(2), It(5), out _), ort8, 4.2),
        ];
    }

    private static TargetRow Cold(string mode, string name)
    {
        var (output, wall) = ChildProcess.RunSelf(["--child", mode]);
        var f = ChildProcess.Fields(output, "COLD");
        double total = ChildProcess.Number(f, "total_s");
        return new TargetRow(name, total, "s", 1.0, false, $"runtime→Main {f["main_s"]} s, setup {f["setup_s"]} s, Fit {f["fit_s"]} s, first explanation {f["first_s"]} s; CPU {f["cpu_s"]} s, JIT {f["jit_s"]} s ({f["jit_methods"]} methods); launch→exit {wall.TotalSeconds:F2} s");
    }

    private static TargetRow Ratio(string name, double lrpMs, double ortMs, double target)
        => new(name, lrpMs / ortMs, "×", target, false, $"ORT {BenchmarkRow.Milliseconds(ortMs)} ms/item, LRP {BenchmarkRow.Milliseconds(lrpMs)} ms/item");

    /// <summary>The faster of eight batch-1 runs of the original model and one run of the model rewritten to batch 8 (ms/image).</summary>
    private static double ResNetOrtBatch8(byte[] resNet, float[] images, Func<int, int> it)
    {
        double singles;
        using (var ort = new OrtBaseline(resNet, ResNetInput, ResNetOutput, [3, 224, 224]))
        {
            var single = new float[ImageSize];
            singles = Measure.MedianMilliseconds(
                () =>
                {
                    for (int r = 0; r < 8; r++)
                    {
                        Array.Copy(images, r * ImageSize, single, 0, ImageSize);
                        ort.Run(single, 1);
                    }
                },
                it(2),
                it(5)) / 8;
        }

        using var batched = new OrtBaseline(OrtBaseline.WithBatch(resNet, ResNetInput, ResNetOutput, 8), ResNetInput, ResNetOutput, [3, 224, 224]);
        return Math.Min(singles, Measure.MedianMilliseconds(() => batched.Run(images, 8), it(2), it(5)) / 8);
    }

    private static double ExplainMs(LrpOptions options, float[] input, int batch, int warmup, int iterations, out double imagesPerSecond)
    {
        using var explainer = new LrpExplainer(options);
        Engine.StepProfiler.Reset();
        double ms = Measure.MedianMilliseconds(() => explainer.Explain(input, batch), warmup, iterations) / batch;
        Measure.PrintProfile($"{options.Composite} batch {batch}");
        imagesPerSecond = 1000.0 / ms;
        return ms;
    }

    /// <summary>
    /// The same eight images through <c>ExplainWithLrp</c> (Fit once; Transform and read the Relevance column per
    /// iteration) and through <c>LrpExplainer.Explain</c>, alternated so that load changes hit both alike.
    /// </summary>
    private static TargetRow PipelineVersusExplainer(LrpOptions options, float[] images, int warmup, int iterations)
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 8).Select(r => new ResNetImageRow { Input = images[(r * ImageSize)..((r + 1) * ImageSize)] }).ToArray();
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        using var pipeline = (LrpTransformer)ml.Transforms.ExplainWithLrp(options).Fit(data);
        using var explainer = new LrpExplainer(options);
        var ours = new double[iterations];
        var theirs = new double[iterations];
        for (int i = 0; i < warmup + iterations; i++)
        {
            double e = Time(() => explainer.Explain(images, 8));
            double p = Time(() => RelevanceReader.ReadAll(pipeline.Transform(data)));
            if (i >= warmup)
            {
                ours[i - warmup] = e;
                theirs[i - warmup] = p;
            }
        }

        double explainerMs = MedianOf(ours) / 8, pipelineMs = MedianOf(theirs) / 8;
        return new TargetRow("ML.NET pipeline vs LrpExplainer, ResNet18 b8", 100 * ((pipelineMs / explainerMs) - 1), "%", 3.0, false, $"pipeline {BenchmarkRow.Milliseconds(pipelineMs)} ms/image, LrpExplainer {BenchmarkRow.Milliseconds(explainerMs)} ms/image");
    }

    private static double Time(Action run)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        run();
        return System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static double MedianOf(IEnumerable<double> values)
    {
        double[] v = values.Where(x => !double.IsNaN(x)).Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    private static List<TargetRow> Median(List<List<TargetRow>> runs)
    {
        var result = new List<TargetRow>();
        for (int i = 0; i < runs[0].Count; i++)
        {
            var each = runs.Select(r => r[i]).ToList();
            double median = MedianOf(each.Select(r => r.Value));
            TargetRow closest = each.Where(r => r.Measured).OrderBy(r => Math.Abs(r.Value - median)).FirstOrDefault() ?? each[0];
            string values = string.Join(", ", each.Select(r => r.Measured ? r.Value.ToString("F2", CultureInfo.InvariantCulture) : "—"));
            result.Add(closest with { Value = median, Detail = runs.Count == 1 ? closest.Detail : $"runs: {values}; median run: {closest.Detail}" });
        }

        return result;
    }

    private static void Print(string title, List<TargetRow> rows, bool quick)
    {
        Console.WriteLine($"## {title}");
        Console.WriteLine($"Date (UTC): {DateTime.UtcNow:yyyy-MM-dd HH:mm}; {Environment.ProcessorCount} logical cores, {RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.OSDescription}; load average {LoadAverage()}");
        Console.WriteLine($"Runtime: {RuntimeInformation.FrameworkDescription}, ONNX Runtime {OrtEnv.Instance().GetVersionString()} (CPU){(quick ? "; QUICK RUN (1 iteration: not for the README)" : "")}");
        Console.WriteLine();
        Console.WriteLine(TargetRow.Header);
        foreach (TargetRow row in rows)
        {
            Console.WriteLine(row.ToMarkdown());
        }

        Console.WriteLine();
        Console.WriteLine($"Held: {rows.Count(r => r.Holds)} of {rows.Count(r => r.Measured)} measured rows ({rows.Count(r => !r.Measured)} not measured).");
        Console.WriteLine();
    }

    private static string LoadAverage()
        => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
