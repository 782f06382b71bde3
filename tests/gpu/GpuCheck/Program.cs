// The GPU check program (see tests/gpu/run.sh):
//   Microsoft.ML.Lrp.GpuCheck selftest [--cuda-only]   runs the test classes of category "Ilgpu" (CUDA ones too)
//   Microsoft.ML.Lrp.GpuCheck bench [benchmark options]  the ILGPU benchmark (--backend ilgpu is implied)
//   Microsoft.ML.Lrp.GpuCheck throughput [options]       ResNet18 and MiniLM at batch 64: explanations/s, ratio to
//                                                         ONNX Runtime's CUDA forward, device traffic per pass
// Last line of selftest: "N passed, N failed, N skipped"; exit code 1 when a test failed or none ran.
using System.Globalization;
using Microsoft.ML.Lrp.Benchmarks;
using Microsoft.ML.Lrp.GpuCheck;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string mode = args.Length > 0 ? args[0] : "selftest";
return mode switch
{
    "selftest" => TestRunner.Run(typeof(Microsoft.ML.Lrp.Tests.Backends.BackendOperationTests).Assembly, "Ilgpu", args.Contains("--cuda-only")),
    "bench" => IlgpuBenchmark.Run(args[1..]),
    "throughput" => Throughput.Run(args[1..]),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Microsoft.ML.Lrp.GpuCheck selftest [--cuda-only] | bench [--device N] [--quick] [--batches 1,8,64] [--models mlp,resnet18] [--emulator] | throughput [--device N | --emulator] [--batch 64] [--models resnet18,minilm] [--iterations 5] [--sequence 128] [--layers 6]");
    return 2;
}
