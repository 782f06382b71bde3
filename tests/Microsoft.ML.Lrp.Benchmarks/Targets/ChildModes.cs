using System.Diagnostics;
using System.Globalization;
using ExplainSearch;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// What the benchmark does when re-launched as a child (<c>--child MODE</c>): a cold process that fits and explains
/// one ResNet18 image or one MiniLM sentence through an ML.NET pipeline, or a process that only explains ResNet18
/// batch 8 (for its peak resident set). Each prints one tagged line of <c>key=value</c> fields.
/// </summary>
internal static class ChildModes
{
    public static int Run(string mode) => mode switch
    {
        "cold-resnet" => ColdResNet(),
        "cold-minilm" => ColdMiniLm(),
        "peak-resnet8" => PeakResNet8(),
        _ => throw new ArgumentException($"Unknown child mode '{mode}' (cold-resnet, cold-minilm, peak-resnet8)."),
    };

    private static int ColdResNet()
    {
        double main = ChildProcess.SecondsSinceProcessStart();
        long start = Stopwatch.GetTimestamp();
        var ml = new MLContext(seed: 1);
        var row = new ResNetImageRow { Input = Measure.RandomInput(3 * 224 * 224, seed: 2, -128f, 128f) };
        IDataView data = ml.Data.LoadFromEnumerable([row]);
        var options = new LrpOptions { ModelFile = TargetTable.ResNetFile, InputColumnName = TargetTable.ResNetInput, Composite = LrpComposite.EpsilonPlusFlat, BatchSize = 1 };
        return Cold("COLD", main, start, ml, data, options);
    }

    private static int ColdMiniLm()
    {
        double main = ChildProcess.SecondsSinceProcessStart();
        long start = Stopwatch.GetTimestamp();
        byte[] model = LrpPooling.AddMeanPooling(MiniLmPackage.ReadModel(), outputName: "sentence_embedding");
        double load = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var ml = new MLContext(seed: 1);
        var (ids, mask, types) = MiniLmBenchmark.Inputs(1, seed: 8);
        IDataView data = ml.Data.LoadFromEnumerable([new MiniLmTokenRow { InputIds = ids, AttentionMask = mask, TokenTypeIds = types }]);
        var options = new LrpOptions
        {
            ModelBytes = model,
            InputColumnName = "input_ids",
            OutputName = "sentence_embedding",
            Target = LrpTarget.Direction(Measure.RandomInput(384, seed: 3, -1f, 1f)),
            Composite = LrpComposite.AttnLrp,
            InputRowShape = [MiniLmBenchmark.Sequence],
            BatchSize = 1,
        };
        Console.WriteLine($"LOAD model_s={load:F3}");
        return Cold("COLD", main, start, ml, data, options);
    }

    private static int Cold(string tag, double main, long start, MLContext ml, IDataView data, LrpOptions options)
    {
        long fitStart = Stopwatch.GetTimestamp();
        using var model = (LrpTransformer)ml.Transforms.ExplainWithLrp(options).Fit(data);
        double fit = Stopwatch.GetElapsedTime(fitStart).TotalSeconds;
        long firstStart = Stopwatch.GetTimestamp();
        double sum = RelevanceReader.ReadAll(model.Transform(data));
        double first = Stopwatch.GetElapsedTime(firstStart).TotalSeconds;
        double total = ChildProcess.SecondsSinceProcessStart();
        if (!double.IsFinite(sum))
        {
            throw new InvalidOperationException("The cold explanation's relevance is not finite.");
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{tag} total_s={total:F3} main_s={main:F3} setup_s={Stopwatch.GetElapsedTime(start).TotalSeconds - fit - first:F3} fit_s={fit:F3} first_s={first:F3} cpu_s={Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds:F3} jit_s={System.Runtime.JitInfo.GetCompilationTime().TotalSeconds:F3} jit_methods={System.Runtime.JitInfo.GetCompiledMethodCount()} sum={sum:G6}"));
        Measure.PrintProfile("cold");
        return 0;
    }

    private static int PeakResNet8()
    {
        const int Batch = 8;
        float[] images = Measure.RandomInput(Batch * 3 * 224 * 224, seed: 2, -128f, 128f);
        var options = new LrpOptions { ModelFile = TargetTable.ResNetFile, InputColumnName = TargetTable.ResNetInput, Composite = LrpComposite.EpsilonPlusFlat, BatchSize = Batch };
        using var explainer = new LrpExplainer(options);
        for (int i = 0; i < 4; i++)
        {
            explainer.Explain(images, Batch);
        }

        long heap = GC.GetGCMemoryInfo().HeapSizeBytes;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PEAK rss_bytes={ChildProcess.PeakResidentBytes()} heap_bytes={heap}"));
        return 0;
    }
}
