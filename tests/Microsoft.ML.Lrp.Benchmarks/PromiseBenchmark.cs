using System.Diagnostics;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// The Promise System's benchmark rows: per model, captured bytes per sample and time per sample under
/// <see cref="LrpCapturePolicy.CaptureAll"/> and <see cref="LrpCapturePolicy.MinimizeMemory"/>. The two explainers
/// run alternately (A, B, A, B, …) so that noise on a shared machine hits both; the median of each is reported.
/// </summary>
internal static class PromiseBenchmark
{
    public static void Run(bool quick, byte[] mlp, string mlpInput, string resNetFile, string resNetInput)
    {
        Console.WriteLine("| Model | Batch | Policy | Captured tensors | Captured bytes/sample | Promises | δ | ρ | Planned peak bytes/sample | ms/sample |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|");
        Rows("MLP 784-512-256-10", new LrpOptions { ModelBytes = mlp, InputColumnName = mlpInput, BatchSize = 64 }, Measure.RandomInput(64 * 784, 1, 0f, 1f), 64, quick ? 1 : 15);
        Rows("ResNet18 224×224", new LrpOptions { ModelFile = resNetFile, InputColumnName = resNetInput, BatchSize = 8 }, Measure.RandomInput(8 * 3 * 224 * 224, 2, -128f, 128f), 8, quick ? 1 : 7);
    }

    private static void Rows(string model, LrpOptions options, float[] input, int batch, int repeats)
    {
        LrpCapturePolicy[] policies = [LrpCapturePolicy.CaptureAll, LrpCapturePolicy.MinimizeMemory];
        var explainers = policies.Select(p => new LrpExplainer(options with { CapturePolicy = p })).ToArray();
        try
        {
            var times = policies.Select(_ => new List<double>()).ToArray();
            foreach (var explainer in explainers)
            {
                explainer.Explain(input, batch);
            }

            for (int r = 0; r < repeats; r++)
            {
                for (int p = 0; p < explainers.Length; p++)
                {
                    long start = Stopwatch.GetTimestamp();
                    explainers[p].Explain(input, batch);
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
