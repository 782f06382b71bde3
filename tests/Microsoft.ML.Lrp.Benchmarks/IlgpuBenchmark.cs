using System.Globalization;
using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Backends.Ilgpu;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// <c>--backend ilgpu [--device N | --emulator] [--quick] [--batches 1,8,64] [--models mlp,resnet18]</c>: the relevance-pass time (LRP explain time minus the ORT
/// forward pass, both on the same rows) of ResNet18 and the MLP with the CPU backend and with the ILGPU backend on
/// CUDA device N. Without a CUDA device it says so and exits 0. ORT runs on its CPU provider in both columns.
/// <c>--emulator</c> runs ILGPU's CPU accelerator instead (a smoke run of this program where there is no GPU: the
/// emulator is hundreds of times slower than the CPU backend, so its numbers mean nothing).
/// </summary>
internal static class IlgpuBenchmark
{
    public static int Run(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        int deviceId = int.Parse(Option(args, "--device") ?? "0", CultureInfo.InvariantCulture);
        bool quick = args.Contains("--quick");
        int[] batches = (Option(args, "--batches") ?? "1,8,64").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        string[] wanted = (Option(args, "--models") ?? "mlp,resnet18").Split(',');
        IlgpuDevice? device;
        try
        {
            device = args.Contains("--emulator") ? IlgpuDevice.CpuEmulator() : IlgpuDevice.Cuda(deviceId);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Console.WriteLine($"ILGPU could not start CUDA ({ex.Message}); the ILGPU benchmark needs a GPU. Nothing measured.");
            return 0;
        }

        if (device is null)
        {
            var seen = IlgpuDevice.CudaDeviceNames();
            Console.WriteLine($"No CUDA device {deviceId} (ILGPU saw: {(seen.Count == 0 ? "no CUDA devices" : string.Join(", ", seen))}); the ILGPU benchmark needs a GPU. Nothing measured.");
            return 0;
        }

        Console.WriteLine($"Relevance pass, CPU backend ({new CpuBackend().Name}) versus {device.Name}; ORT forward on its CPU provider.");
        Console.WriteLine($"Date (UTC): {DateTime.UtcNow:yyyy-MM-dd HH:mm}; {Environment.ProcessorCount} logical cores{(quick ? "; QUICK RUN (1 iteration)" : "")}");
        Console.WriteLine();
        Console.WriteLine("| Model | Batch | ORT forward ms | LRP CPU ms | LRP ILGPU ms | Relevance pass CPU ms | Relevance pass ILGPU ms | ILGPU speed-up | ILGPU traffic per explanation |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        int[] mlpLayers = [784, 512, 256, 10];
        var models = new List<(string Name, byte[] Model, string Input, string Output, int[] Row)>();
        if (wanted.Contains("mlp"))
        {
            models.Add(($"MLP {string.Join('-', mlpLayers)}", MlpModel.Build(mlpLayers, seed: 42), MlpModel.InputName, MlpModel.OutputName, [784]));
        }

        if (wanted.Contains("resnet18"))
        {
            models.Add(("ResNet18 224×224 (architecture, seeded weights)", ResNet18Model.Build(seed: 7), ResNet18Model.InputName, ResNet18Model.OutputName, [3, 224, 224]));
        }

        foreach (var (name, model, inputName, outputName, row) in models)
        {
            int rowLength = row.Aggregate(1, (a, b) => a * b);
            foreach (int batch in batches)
            {
                int iterations = quick ? 1 : (batch >= 64 ? 3 : 7);
                float[] input = Measure.RandomInput(batch * rowLength, seed: batch, -1f, 1f);
                double ortMs;
                using (var ort = new OrtBaseline(model, inputName, outputName, row))
                {
                    ortMs = Measure.MedianMilliseconds(() => ort.Run(input, batch), 1, iterations);
                }

                var options = new LrpOptions { ModelBytes = model, InputColumnName = inputName, Composite = LrpComposite.EpsilonPlusFlat, BatchSize = batch };
                double cpuMs = ExplainMs(options, () => new CpuBackend(), input, batch, iterations).Ms;
                var (gpuMs, traffic) = ExplainMs(options, () => new IlgpuBackend(device), input, batch, iterations);
                double cpuPass = cpuMs - ortMs, gpuPass = gpuMs - ortMs;
                string moved = $"H→D {traffic.HostToDeviceBytes / 1e6:F2} MB (imports {traffic.ImportHostToDeviceBytes / 1e6:F2}), D→H {traffic.DeviceToHostBytes / 1e6:F2} MB, {traffic.KernelLaunches} launches";
                Console.WriteLine($"| {name} | {batch} | {ortMs:F2} | {cpuMs:F2} | {gpuMs:F2} | {cpuPass:F2} | {gpuPass:F2} | {cpuPass / Math.Max(gpuPass, 1e-3):F2}× | {moved} |");
            }
        }

        Console.WriteLine();
        Console.WriteLine("Medians per batch (not per image). Relevance pass = LRP explain − ORT forward on the same rows. ORT's forward and its captures run on the CPU and are imported once per pass; a plan whose rules are all audited for residency (Engine/DeviceResidency.cs) keeps its tensors on the device between steps, any other plan moves each operand through host memory. Traffic: LrpExplainer.LastDeviceTraffic of the last explanation (imports = input, captures and seed).");
        return 0;
    }

    private static (double Ms, LrpDeviceTraffic Traffic) ExplainMs(LrpOptions options, Func<IRelevanceBackend> backend, float[] input, int batch, int iterations)
    {
        using var explainer = new LrpExplainer(options, backend);
        double ms = Measure.MedianMilliseconds(() => explainer.Explain(input, batch), 1, iterations);
        return (ms, explainer.LastDeviceTraffic);
    }

    private static string? Option(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
