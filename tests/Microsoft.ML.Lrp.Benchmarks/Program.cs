// Benchmark (not a timed test): plain ONNX Runtime forward pass versus LRP with EpsilonPlusFlat.
//   dotnet run -c Release --project tests/Microsoft.ML.Lrp.Benchmarks [-- --quick] [--minilm-only] [--tabular: only the tabular rows] [--promises [--only-minilm | --no-minilm]]
//   ... -- --minilm-capture [--batch N] [--rounds N]: MiniLM plain forward vs capture run vs explanation, round robin.
//   ... -- --resnet-only: only the ResNet18 batch-8 rows (with its ORT baselines), for profiling; --resnet-b1-only: only batch 1.
//   ... -- --memory [--policy P] [--iterations N] [--census]: a process that only explains ResNet18 batch 8; memory per phase (MemoryProbe.cs); LRP_CENSUS_DEPTH=N lengthens the census's owner chains.
//   ... -- --fuzz N [--seed S]: N seeded mutations of an MLP and a small CNN; counts each outcome (FuzzBenchmark.cs).
//   ... -- --llm [MODEL.onnx] [--tokens 128] [--lrp-only]: a Llama-architecture decoder, batch 1 (LlmBenchmark.cs).
//   ... -- --targets [--runs 3] [--quick] [--zennit DIR]: issue 14's table, each row with its target (Targets/TargetTable.cs);
//       --targets --gamma-only [--runs N]: only ResNet18 b8 EpsilonPlusFlat and EpsilonGammaBox with their ORT baseline;
//       build with -p:LrpReadyToRun=true (dotnet run -c Release -p:LrpReadyToRun=true ...) for a ReadyToRun library.
//   ... -- --backend ilgpu [--device N] [--quick]: CPU versus ILGPU (CUDA) relevance pass (IlgpuBenchmark.cs).
// Prints a Markdown table; --quick runs one iteration per row (a smoke run, not for the README).
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.Lrp;
using Microsoft.ML.Lrp.Benchmarks;
using Microsoft.ML.OnnxRuntime;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Contains("--child"))
{
    return ChildModes.Run(args[Array.IndexOf(args, "--child") + 1]);
}

if (args.Contains("--targets") || args.Contains("--runs"))
{
    return TargetTable.Run(args);
}

if (args.Contains("--backend") && args.SkipWhile(a => a != "--backend").Skip(1).FirstOrDefault() == "ilgpu")
{
    return IlgpuBenchmark.Run(args);
}

if (args.Contains("--llm"))
{
    return LlmBenchmark.Run(args);
}

if (args.Contains("--fuzz"))
{
    return FuzzBenchmark.Run(args);
}

bool quick = args.Contains("--quick");
int Iterations(int n) => quick ? 1 : n;
int Warmup(int n) => quick ? 1 : n;
if (args.Contains("--tabular")) { TabularBenchmark.Run(quick).ToList().ForEach(Console.WriteLine); return 0; }

const string ResNetInput = "Input247", ResNetOutput = "Pooling395_Output_0";
string resNetFile = Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");
byte[] resNet = File.ReadAllBytes(resNetFile);
int[] resNetRow = [3, 224, 224];
int[] mlpLayers = [784, 512, 256, 10];
byte[] mlp = MlpModel.Build(mlpLayers, seed: 42);

var rows = new List<BenchmarkRow>();
var notes = new List<string>();
if (args.Contains("--gemm")) { return GemmVersusOrt.Run(); }
if (args.Contains("--memory")) { return MemoryProbe.Run(args, resNetFile, ResNetInput); }
if (args.Contains("--list-captures")) { return CaptureList.Print(resNetFile, ResNetInput, args.Contains("--minilm"), args.Contains("--gamma")); }
if (args.Contains("--minilm-capture")) { return MiniLmCaptureCost.Run(args); }
if (args.Contains("--minilm-only")) { return MiniLmBenchmark.PrintAlone(quick); }
if (args.Contains("--promises")) { PromiseBenchmark.Run(quick, mlp, MlpModel.InputName, resNetFile, ResNetInput, args); return 0; }

bool resNetB1Only = args.Contains("--resnet-b1-only");
bool resNetOnly = args.Contains("--resnet-only") || resNetB1Only;

// MLP, batch 64 (the model's batch dimension is symbolic).
if (!resNetOnly)
using (var ort = new OrtBaseline(mlp, MlpModel.InputName, MlpModel.OutputName, [784]))
{
    const int Batch = 64;
    float[] input = Measure.RandomInput(Batch * 784, seed: 1, 0f, 1f);
    double ortMs = Measure.MedianMilliseconds(() => ort.Run(input, Batch), Warmup(5), Iterations(30)) / Batch;
    var options = new LrpOptions { ModelBytes = mlp, InputColumnName = MlpModel.InputName, Composite = LrpComposite.EpsilonPlusFlat, BatchSize = Batch };
    rows.Add(ExplainRow($"MLP {string.Join('-', mlpLayers)} (Gemm+Relu, random weights)", Batch, ortMs, options, input, Warmup(10), Iterations(20)));
}

// ResNet18, batch 1 (the original model's batch dimension is fixed at 1).
float[] images = Measure.RandomInput(8 * 3 * 224 * 224, seed: 2, -128f, 128f);
if (!resNetOnly || resNetB1Only)
using (var ort = new OrtBaseline(resNet, ResNetInput, ResNetOutput, resNetRow))
{
    float[] one = images[..(3 * 224 * 224)];
    double ortMs = Measure.MedianMilliseconds(() => ort.Run(one, 1), Warmup(3), Iterations(15));
    var options = new LrpOptions { ModelFile = resNetFile, InputColumnName = ResNetInput, Composite = LrpComposite.EpsilonPlusFlat, BatchSize = 1 };
    rows.Add(ExplainRow("ResNet18 224×224 (real weights, random seeded input)", 1, ortMs, options, one, Warmup(5), Iterations(10)));
}

// ResNet18, batch 8: the baseline is the faster of eight batch-1 runs on the original model and one run of the
// model rewritten to batch 8 (the engine batches by the same rewrite).
if (!resNetB1Only)
{
    const int Batch = 8;
    double eightSingles;
    using (var ort = new OrtBaseline(resNet, ResNetInput, ResNetOutput, resNetRow))
    {
        var single = new float[3 * 224 * 224];
        eightSingles = Measure.MedianMilliseconds(
            () =>
            {
                for (int r = 0; r < Batch; r++)
                {
                    Array.Copy(images, r * single.Length, single, 0, single.Length);
                    ort.Run(single, 1);
                }
            },
            Warmup(3),
            Iterations(7)) / Batch;
    }

    double rewritten;
    using (var ort = new OrtBaseline(OrtBaseline.WithBatch(resNet, ResNetInput, ResNetOutput, Batch), ResNetInput, ResNetOutput, resNetRow))
    {
        rewritten = Measure.MedianMilliseconds(() => ort.Run(images, Batch), Warmup(3), Iterations(7)) / Batch;
    }

    notes.Add($"ResNet18 batch 8, ORT baselines: 8 × batch-1 on the original model {BenchmarkRow.Milliseconds(eightSingles)} ms/image; the model rewritten to batch 8 {BenchmarkRow.Milliseconds(rewritten)} ms/image. The table uses the faster one.");
    var options = new LrpOptions { ModelFile = resNetFile, InputColumnName = ResNetInput, Composite = LrpComposite.EpsilonPlusFlat, BatchSize = Batch };
    rows.Add(ExplainRow("ResNet18 224×224 (real weights, random seeded input)", Batch, Math.Min(eightSingles, rewritten), options, images, Warmup(5), Iterations(7)));
    // MinimizeTime computes ZPlus's W⁺x in the capture run (forward products) and captures what Epsilon reuses.
    rows.Add(ExplainRow("ResNet18 224×224, `MinimizeTime`", Batch, Math.Min(eightSingles, rewritten), options with { CapturePolicy = LrpCapturePolicy.MinimizeTime }, images, Warmup(5), Iterations(7)));
}

if (!resNetOnly)
{
    rows.AddRange(MiniLmBenchmark.Rows(quick));
    notes.AddRange(TabularBenchmark.Run(quick));
}

Console.WriteLine($"Date (UTC): {DateTime.UtcNow:yyyy-MM-dd HH:mm}");
Console.WriteLine($"Machine: {Environment.ProcessorCount} logical cores, {CpuModel()}, {RuntimeInformation.ProcessArchitecture}, {RuntimeInformation.OSDescription}");
Console.WriteLine($"Runtime: {RuntimeInformation.FrameworkDescription}, ONNX Runtime {OrtEnv.Instance().GetVersionString()} (CPU, default session options){(quick ? "; QUICK RUN (1 iteration)" : "")}");
Console.WriteLine();
Console.WriteLine(BenchmarkRow.Header);
foreach (BenchmarkRow row in rows)
{
    Console.WriteLine(row.ToMarkdown());
}

Console.WriteLine();
Console.WriteLine("Median of timed runs after warm-up runs. Ratio = LRP / ORT forward. Peak working set is the whole process's, cumulative in row order.");
foreach (string note in notes)
{
    Console.WriteLine($"- {note}");
}

return 0;

static BenchmarkRow ExplainRow(string model, int batch, double ortMsPerImage, LrpOptions options, float[] input, int warmup, int iterations)
{
    using var explainer = new LrpExplainer(options);
    Microsoft.ML.Lrp.Engine.StepProfiler.Reset();
    double lrpMs = Measure.MedianMilliseconds(() => explainer.Explain(input, batch), warmup, iterations) / batch;
    Measure.PrintProfile($"{model} batch {batch}");
    return new BenchmarkRow(model, batch, ortMsPerImage, lrpMs, explainer.Statistics.CapturedBytesPerSample, Measure.PeakWorkingSetMiB());
}

static string CpuModel()
{
    const string CpuInfo = "/proc/cpuinfo";
    if (File.Exists(CpuInfo))
    {
        string? line = File.ReadLines(CpuInfo).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        if (line is not null)
        {
            return line[(line.IndexOf(':') + 1)..].Trim();
        }
    }

    return "CPU model unknown";
}
