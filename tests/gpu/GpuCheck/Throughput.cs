using System.Globalization;
using Microsoft.ML.Lrp.Benchmarks;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Lrp.GpuCheck;

/// <summary>
/// <c>throughput [--device N | --emulator] [--batch 64] [--models resnet18,minilm] [--iterations 5] [--sequence 128] [--layers 6]</c>:
/// explanations per second of ResNet18 (architecture, seeded weights; EpsilonPlusFlat) and of the MiniLM encoder
/// (architecture, seeded weights, embeddings in; AttnLrp, a fixed direction of the sentence embedding) with the
/// relevance pass on ILGPU (CUDA device N) and ONNX Runtime on its CUDA provider where it starts; the ratio of an
/// explanation's time to ONNX Runtime's CUDA forward pass of the same batch; the device traffic of one pass
/// (<see cref="LrpExplainer.LastDeviceTraffic"/>). <c>--emulator</c> runs ILGPU's CPU accelerator (a smoke run
/// where there is no GPU: its speed means nothing).
/// </summary>
internal static class Throughput
{
    public static int Run(string[] args)
    {
        int device = int.Parse(Option(args, "--device") ?? "0", CultureInfo.InvariantCulture);
        int batch = int.Parse(Option(args, "--batch") ?? "64", CultureInfo.InvariantCulture);
        int iterations = int.Parse(Option(args, "--iterations") ?? "5", CultureInfo.InvariantCulture);
        int sequence = int.Parse(Option(args, "--sequence") ?? "128", CultureInfo.InvariantCulture);
        int layers = int.Parse(Option(args, "--layers") ?? "6", CultureInfo.InvariantCulture);
        bool emulator = args.Contains("--emulator");
        string[] wanted = (Option(args, "--models") ?? "resnet18,minilm").Split(',');
        Console.WriteLine($"Date (UTC): {DateTime.UtcNow:yyyy-MM-dd HH:mm}; ONNX Runtime {OrtEnv.Instance().GetVersionString()}; {Environment.ProcessorCount} logical cores; batch {batch}, median of {iterations} after a warm-up");
        Console.WriteLine();
        Console.WriteLine("| Model | Batch | ORT provider (explainer) | Relevance backend | ORT CUDA forward ms | LRP explain ms | Explanations/s | Explain / ORT CUDA forward | H→D MB/pass (input + captures) | D→H MB/pass (input relevance) | Kernel launches/pass | Backend calls/pass |");
        Console.WriteLine("|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var notes = new List<string>();
        foreach (string name in wanted)
        {
            var row = name switch
            {
                "resnet18" => new Workload("ResNet18 224×224 (architecture, seeded weights), EpsilonPlusFlat", ResNet18Model.Build(seed: 7), ResNet18Model.InputName, ResNet18Model.OutputName, [3, 224, 224], LrpComposite.EpsilonPlusFlat, null),
                "minilm" => new Workload($"MiniLM-L6 encoder, sequence {sequence}, {layers} layers (architecture, seeded weights), AttnLrp", MiniLmArchitecture.Build(sequence, layers, seed: 5), MiniLmArchitecture.InputName, MiniLmArchitecture.OutputName, [sequence, MiniLmArchitecture.Hidden], LrpComposite.AttnLrp, LrpTarget.Direction(Measure.RandomInput(MiniLmArchitecture.Hidden, seed: 3, -1f, 1f))),
                _ => throw new ArgumentException($"unknown model '{name}' (resnet18, minilm)"),
            };
            Measure1(row, batch, iterations, device, emulator, notes);
        }

        Console.WriteLine();
        foreach (string note in notes.Distinct())
        {
            Console.WriteLine(note);
        }

        Console.WriteLine("Explain = ONNX Runtime forward with captures + relevance pass, per batch. Traffic: one Explain of the batch (one pass).");
        return 0;
    }

    private static void Measure1(Workload w, int batch, int iterations, int device, bool emulator, List<string> notes)
    {
        int rowLength = w.Row.Aggregate(1, (a, b) => a * b);
        float[] input = Measure.RandomInput(batch * rowLength, seed: batch, -1f, 1f);
        double ortCudaMs = double.NaN;
        try
        {
            using var session = new InferenceSession(w.Model, SessionOptions.MakeSessionOptionWithCudaProvider(device));
            long[] shape = [batch, .. w.Row.Select(d => (long)d)];
            void Forward()
            {
                using var value = OrtValue.CreateTensorValueFromMemory(input, shape);
                using var runOptions = new RunOptions();
                using var outputs = session.Run(runOptions, [w.Input], [value], [w.Output]);
            }

            ortCudaMs = Measure.MedianMilliseconds(Forward, 2, iterations);
        }
        catch (Exception ex) when (ex is OnnxRuntimeException or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException)
        {
            notes.Add($"ONNX Runtime's CUDA provider did not start ({ex.GetType().Name}: {FirstLine(ex.Message)}): no CUDA forward to compare with; the explainer's forward falls back to ONNX Runtime's CPU provider.");
        }

        var options = new LrpOptions
        {
            ModelBytes = w.Model,
            InputColumnName = w.Input,
            OutputName = w.Output,
            Composite = w.Composite,
            Target = w.Target ?? new LrpOptions().Target,
            BatchSize = batch,
            GpuDeviceId = emulator ? null : device,
            FallbackToCpu = true,
            IlgpuCpuAccelerator = emulator,
        };
        using var explainer = new LrpExplainer(options);
        Engine.StepProfiler.Reset();
        double explainMs = Measure.MedianMilliseconds(() => explainer.Explain(input, batch), 1, iterations);
        var t = explainer.LastDeviceTraffic;
        Measure.PrintProfile($"{w.Name}, batch {batch} (warm-up included)");
        // What a device-resident pass would move: the input and the captured activations in, the input relevance out.
        long inputBytes = (long)input.Length * sizeof(float);
        long ideal = inputBytes + (explainer.Statistics.CapturedBytesPerSample * batch);
        string ratio = double.IsNaN(ortCudaMs) ? "n/a" : $"{explainMs / ortCudaMs:F1}×";
        Console.WriteLine($"| {w.Name} | {batch} | {explainer.ExecutionProvider} | {explainer.BackendName} | {(double.IsNaN(ortCudaMs) ? "n/a" : ortCudaMs.ToString("F2", CultureInfo.InvariantCulture))} | {explainMs:F1} | {batch * 1000.0 / explainMs:F1} | {ratio} | {t.HostToDeviceBytes / 1e6:F2} ({ideal / 1e6:F2}) | {t.DeviceToHostBytes / 1e6:F2} ({inputBytes / 1e6:F2}) | {t.KernelLaunches:N0} | {t.BackendCalls:N0} |");
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed record Workload(string Name, byte[] Model, string Input, string Output, int[] Row, LrpComposite Composite, LrpTarget? Target);
}
