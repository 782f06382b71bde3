using System.Diagnostics;
using ExplainSearch;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// The Promise System's benchmark rows: per model, captured bytes per sample and time per sample under
/// <see cref="LrpCapturePolicy.CaptureAll"/> and <see cref="LrpCapturePolicy.MinimizeMemory"/>. The two explainers
/// run alternately (A, B, A, B, …) so that noise on a shared machine hits both; the median of each is reported.
/// all-MiniLM-L6-v2 (sequence 128, batch 8, AttnLrp, a fixed direction) also gets a <see cref="LrpCapturePolicy.MinimizeTime"/> row.
/// </summary>
internal static class PromiseBenchmark
{
    public static void Run(bool quick, byte[] mlp, string mlpInput, string resNetFile, string resNetInput, string[]? args = null)
    {
        Console.WriteLine("| Model | Batch | Policy | Captured tensors | Captured bytes/sample | Promises | δ | ρ | Planned peak bytes/sample | ms/sample |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        args ??= [];
        if (args.Contains("--only-minilm"))
        {
            MiniLmRows(quick ? 1 : 5);
            return;
        }

        Rows("MLP 784-512-256-10", new LrpOptions { ModelBytes = mlp, InputColumnName = mlpInput, BatchSize = 64 }, Measure.RandomInput(64 * 784, 1, 0f, 1f), 64, quick ? 1 : 15);
        Rows("ResNet18 224×224", new LrpOptions { ModelFile = resNetFile, InputColumnName = resNetInput, BatchSize = 8 }, Measure.RandomInput(8 * 3 * 224 * 224, 2, -128f, 128f), 8, quick ? 1 : 7);
        if (!args.Contains("--no-minilm"))
        {
            MiniLmRows(quick ? 1 : 5);
        }
    }

    /// <summary>all-MiniLM-L6-v2 with mean pooling, sequence 128, batch 8: CaptureAll, MinimizeMemory and MinimizeTime.</summary>
    private static void MiniLmRows(int repeats)
    {
        const int batch = 8;
        byte[] model = LrpPooling.AddMeanPooling(MiniLmPackage.ReadModel(), outputName: "sentence_embedding");
        var options = new LrpOptions
        {
            ModelBytes = model,
            InputColumnName = "input_ids",
            OutputName = "sentence_embedding",
            Target = LrpTarget.Direction(Measure.RandomInput(384, seed: 3, -1f, 1f)),
            Composite = LrpComposite.AttnLrp,
            InputRowShape = [MiniLmBenchmark.Sequence],
            BatchSize = batch,
        };
        var (ids, mask, types) = MiniLmBenchmark.Inputs(batch, seed: 15);
        var others = new Dictionary<string, Array> { ["attention_mask"] = mask, ["token_type_ids"] = types };
        Rows(
            $"all-MiniLM-L6-v2 + mean pooling, sequence {MiniLmBenchmark.Sequence}",
            options,
            e => e.ExplainTokens(ids, batch, additionalInputs: others),
            batch,
            repeats,
            [LrpCapturePolicy.CaptureAll, LrpCapturePolicy.MinimizeMemory, LrpCapturePolicy.MinimizeTime]);
    }

    private static void Rows(string model, LrpOptions options, float[] input, int batch, int repeats)
        => Rows(model, options, e => e.Explain(input, batch), batch, repeats, [LrpCapturePolicy.CaptureAll, LrpCapturePolicy.MinimizeMemory]);

    private static void Rows(string model, LrpOptions options, Func<LrpExplainer, LrpExplanation> explain, int batch, int repeats, LrpCapturePolicy[] policies)
    {
        var explainers = policies.Select(p => new LrpExplainer(options with { CapturePolicy = p })).ToArray();
        try
        {
            var times = policies.Select(_ => new List<double>()).ToArray();
            foreach (var explainer in explainers)
            {
                explain(explainer);
            }

            for (int r = 0; r < repeats; r++)
            {
                for (int p = 0; p < explainers.Length; p++)
                {
                    long start = Stopwatch.GetTimestamp();
                    explain(explainers[p]);
                    times[p].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds / batch);
                }
            }

            for (int p = 0; p < explainers.Length; p++)
            {
                var s = explainers[p].Statistics;
                times[p].Sort();
                double median = times[p][times[p].Count / 2];
                Console.WriteLine($"| {model} | {batch} | {policies[p]} | {s.CapturedTensors} | {s.CapturedBytesPerSample:N0} | {s.Promises} | {s.SummedPromiseDepth} | {s.PromiseDensity:0.###} | {s.PlannedPeakBytesPerSample:N0} | {median:0.0} |");
            }
        }
        finally
        {
            foreach (var explainer in explainers)
            {
                explainer.Dispose();
            }
        }
    }
}
