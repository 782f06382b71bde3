using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// A Llama-architecture decoder (built by <c>llm/export-llama.py</c>), one prompt, batch 1: ONNX Runtime's forward,
/// the explainer's construction (plan), the explanation with <see cref="LrpTarget.NextToken"/> under AttnLrp, and
/// the process's peak working set. Run it in a process of its own:
/// <c>dotnet run -c Release --project tests/Microsoft.ML.Lrp.Benchmarks -- --llm [MODEL.onnx] [--tokens 128] [--vocab 32000] [--lrp-only] [--policy MinimizeMemory|MinimizeTime|CaptureAll]</c>
/// (default model: ~/.cache/microsoft-ml-lrp/llm/tinyllama-1.1b.onnx). <c>--lrp-only</c> skips the ONNX Runtime
/// baseline so that the peak working set is the explainer's alone.
/// </summary>
internal static class LlmBenchmark
{
    public static int Run(string[] args)
    {
        // The model path, if given, is the argument right after --llm (so that --llm --policy P keeps the default model).
        string model = args.SkipWhile(a => a != "--llm").Skip(1).Take(1).FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal))
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "microsoft-ml-lrp", "llm", "tinyllama-1.1b.onnx");
        int tokens = int.Parse(args.SkipWhile(a => a != "--tokens").Skip(1).FirstOrDefault() ?? "128", System.Globalization.CultureInfo.InvariantCulture);
        int vocabulary = int.Parse(args.SkipWhile(a => a != "--vocab").Skip(1).FirstOrDefault() ?? "32000", System.Globalization.CultureInfo.InvariantCulture);
        bool lrpOnly = args.Contains("--lrp-only");
        var policy = args.SkipWhile(a => a != "--policy").Skip(1).FirstOrDefault() is { } p ? Enum.Parse<LrpCapturePolicy>(p, ignoreCase: true) : LrpCapturePolicy.MinimizeMemory;
        if (!File.Exists(model))
        {
            Console.Error.WriteLine($"{model} not found: build it with /usr/bin/python3 tests/Microsoft.ML.Lrp.Benchmarks/llm/export-llama.py 1.1b ~/.cache/microsoft-ml-lrp/llm");
            return 2;
        }

        var random = new Random(1);
        long[] ids = Enumerable.Range(0, tokens).Select(_ => (long)random.Next(1, vocabulary)).ToArray();
        long[] mask = Enumerable.Repeat(1L, tokens).ToArray();
        Console.WriteLine($"| Model | Tokens | ORT forward ms | Plan ms | Explain ms | Ratio | Peak working set MiB |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");

        double ortMs = double.NaN;
        if (!lrpOnly)
        {
            using var session = new InferenceSession(model);
            using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, [1, tokens]);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [1, tokens]);
            ortMs = Measure.MedianMilliseconds(() =>
            {
                using var runOptions = new RunOptions();
                using var outputs = session.Run(runOptions, ["input_ids", "attention_mask"], [idsValue, maskValue], ["logits"]);
            }, 1, 3);
            Console.Error.WriteLine($"ORT alone: {ortMs:F0} ms, peak working set {Measure.PeakWorkingSetMiB():F0} MiB");
        }

        GC.Collect();
        var watch = Stopwatch.StartNew();
        using var explainer = new LrpExplainer(new LrpOptions
        {
            ModelFile = model,
            InputColumnName = "input_ids",
            OutputName = "logits",
            InputRowShape = [tokens],
            InputRowShapes = new Dictionary<string, int[]> { ["attention_mask"] = [tokens] },
            Composite = LrpComposite.AttnLrp,
            Target = LrpTarget.NextToken(),
            BatchSize = 1,
            CapturePolicy = policy,
        });
        double planMs = watch.Elapsed.TotalMilliseconds;
        Console.Error.WriteLine($"plan: {planMs:F0} ms, peak working set {Measure.PeakWorkingSetMiB():F0} MiB");
        var inputs = new Dictionary<string, Array> { ["attention_mask"] = mask };
        double explainMs = Measure.MedianMilliseconds(() => explainer.ExplainTokens(ids, 1, additionalInputs: inputs), 1, 3);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var result = explainer.ExplainTokens(ids, 1, additionalInputs: inputs);
        Console.Error.WriteLine($"managed allocation of one explanation: {(GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (1 << 20)} MiB");
        Measure.PrintProfile($"{Path.GetFileNameWithoutExtension(model)}, {tokens} tokens (4 explanations)");
        Console.Error.WriteLine($"token {result.Targets[0]}, score {result.Scores[0]:G4}, Σ R + absorbed − seed = {result.ConservationError(0):G3}");
        Console.WriteLine($"| {Path.GetFileNameWithoutExtension(model)} | {tokens} | {ortMs:F0} | {planMs:F0} | {explainMs:F0} | {explainMs / ortMs:F2} | {Measure.PeakWorkingSetMiB():F0} |");
        return 0;
    }
}
