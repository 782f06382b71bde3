using System.Diagnostics;
using ExplainSearch;
using Microsoft.ML.Lrp.Engine;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// <c>--minilm-capture [--batch N]</c>: where MiniLM's explanation time goes outside the relevance steps. Runs, round
/// robin in one process so that load on the machine hits every variant alike, (1) the plain forward the benchmark
/// rows compare with, (2) the same model in a session with the capture session's settings (no spinning, the
/// rounding-sensitive fusions off) but no extra outputs, and each setting alone (spinning off with every fusion on;
/// the fusions off with spinning on; the fusions off with spinning stopped after each run, ONNX Runtime's
/// <c>session.force_spinning_stop</c>), (3) the explainer's capture run (the model with its
/// captured activations as outputs, written into pre-allocated arrays), and (4) the whole explanation; prints the
/// median of each (wall time, and the process's CPU time, which load on the machine
/// distorts less) and its ratio to (1).
/// </summary>
internal static class MiniLmCaptureCost
{
    public static int Run(string[] args)
    {
        int batch = int.TryParse(args.SkipWhile(a => a != "--batch").Skip(1).FirstOrDefault(), out int b) ? b : 8;
        int rounds = int.TryParse(args.SkipWhile(a => a != "--rounds").Skip(1).FirstOrDefault(), out int n) ? n : 9;
        byte[] model = LrpPooling.AddMeanPooling(MiniLmPackage.ReadModel(), outputName: "sentence_embedding");
        var direction = Measure.RandomInput(384, seed: 3, -1f, 1f);
        var (ids, mask, types) = MiniLmBenchmark.Inputs(batch, seed: 7 + batch);
        using var plain = new InferenceSession(model);
        using var settingsOnly = CaptureSettingsSession(model);
        using var noSpinOnly = SessionWith(model, spin: false, fusions: true, stop: false);
        using var fusionsOffOnly = SessionWith(model, spin: true, fusions: false, stop: false);
        using var spinStop = SessionWith(model, spin: true, fusions: false, stop: true);
        using var explainer = new LrpExplainer(new LrpOptions
        {
            ModelBytes = model,
            InputColumnName = "input_ids",
            OutputName = "sentence_embedding",
            Target = LrpTarget.Direction(direction),
            Composite = LrpComposite.AttnLrp,
            InputRowShape = [MiniLmBenchmark.Sequence],
            BatchSize = batch,
        });
        int[] shape = [batch, MiniLmBenchmark.Sequence];
        var feeds = new Dictionary<string, OrtTensor>(StringComparer.Ordinal)
        {
            ["input_ids"] = new OrtTensor(shape, null, ids),
            ["attention_mask"] = new OrtTensor(shape, null, mask),
            ["token_type_ids"] = new OrtTensor(shape, null, types),
        };
        var kinds = explainer.RunModel(feeds).Values.GroupBy(t => t.Floats is not null ? "float" : t.Int64s is not null ? "int" : "other")
            .Select(g => $"{g.Count()} {g.Key} outputs ({g.Sum(t => (long)t.Shape.Aggregate(1, (a, d) => a * d))} elements)");
        Console.WriteLine($"capture run outputs: {string.Join(", ", kinds)}");
        var others = new Dictionary<string, Array> { ["attention_mask"] = mask, ["token_type_ids"] = types };
        var variants = new (string Name, Action Run)[]
        {
            ("plain forward (benchmark baseline)", () => Forward(plain, ids, mask, types, batch)),
            ("forward, capture session settings, no captures", () => Forward(settingsOnly, ids, mask, types, batch)),
            ("forward, no spinning only", () => Forward(noSpinOnly, ids, mask, types, batch)),
            ("forward, fusions off only", () => Forward(fusionsOffOnly, ids, mask, types, batch)),
            ("forward, fusions off, spinning stopped after each run", () => Forward(spinStop, ids, mask, types, batch)),
            ("capture run (explainer.RunModel)", () => explainer.RunModel(feeds)),
            ("whole explanation", () => explainer.ExplainTokens(ids, batch, additionalInputs: others)),
        };
        var times = variants.Select(_ => new List<double>()).ToArray();
        var cpu = variants.Select(_ => new List<double>()).ToArray();
        var allocated = variants.Select(_ => new List<double>()).ToArray();
        using var process = Process.GetCurrentProcess();
        for (int round = -2; round < rounds; round++)
        {
            for (int v = 0; v < variants.Length; v++)
            {
                process.Refresh();
                var cpuStart = process.TotalProcessorTime;
                long bytesStart = GC.GetTotalAllocatedBytes(precise: true);
                long start = Stopwatch.GetTimestamp();
                variants[v].Run();
                double wall = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                process.Refresh();
                if (round >= 0)
                {
                    times[v].Add(wall / batch);
                    cpu[v].Add((process.TotalProcessorTime - cpuStart).TotalMilliseconds / batch);
                    allocated[v].Add((GC.GetTotalAllocatedBytes(precise: true) - bytesStart) / (1024.0 * 1024.0));
                }
            }
        }

        double baseline = Median(times[0]), cpuBaseline = Median(cpu[0]);
        Console.WriteLine($"MiniLM seq {MiniLmBenchmark.Sequence}, batch {batch}, {rounds} rounds, {Environment.ProcessorCount} logical cores; per sequence (median): wall ms, ratio to the plain forward; process CPU ms, ratio; managed MiB allocated per call");
        for (int v = 0; v < variants.Length; v++)
        {
            Console.WriteLine($"{Median(times[v]),9:F2} ms  {Median(times[v]) / baseline,5:F2}   cpu {Median(cpu[v]),9:F2} ms  {Median(cpu[v]) / cpuBaseline,5:F2}  {Median(allocated[v]),8:F1} MiB  {variants[v].Name}");
        }

        return 0;
    }

    private static InferenceSession SessionWith(byte[] model, bool spin, bool fusions, bool stop)
    {
        using var options = new SessionOptions();
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", spin ? "1" : "0");
        if (stop)
        {
            options.AddSessionConfigEntry("session.force_spinning_stop", "1");
        }

        if (!fusions)
        {
            CaptureSessionOptions.Apply(options);
        }

        return new InferenceSession(model, options);
    }

    private static InferenceSession CaptureSettingsSession(byte[] model)
    {
        using var options = new SessionOptions();
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        CaptureSessionOptions.Apply(options);
        return new InferenceSession(model, options);
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static void Forward(InferenceSession session, long[] ids, long[] mask, long[] types, int batch)
    {
        long[] shape = [batch, MiniLmBenchmark.Sequence];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [idsValue, maskValue, typesValue], ["sentence_embedding"]);
    }
}
