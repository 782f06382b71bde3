using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Benchmarks;

/// <summary>
/// <c>--gemm</c>: the CPU backend's GEMM against ONNX Runtime's (a one-Gemm model with the weight as initializer)
/// on the dense products of MiniLM at batch 8 × sequence 128 (1024 rows) and batch 1 (128 rows) and of a
/// TinyLlama-1.1B layer at 128 tokens (the grouped key/value projection 2048 → 256 included), in GFLOP/s
/// (median of 15 after 3 warm-ups). The backward runs with the weight as [N, K] (the dense layers' own layout) and
/// as [K, N] (a MatMul weight shared with ONNX Runtime, used as it is stored).
/// </summary>
internal static class GemmVersusOrt
{
    public static int Run()
    {
        var backend = new CpuBackend();
        Console.WriteLine("| M | N | K | ORT Gemm GFLOP/s | backend forward (x·Wᵀ) GFLOP/s | backend backward (s·W) GFLOP/s | backward, W as [K, N] (s·Wᵀ) GFLOP/s |");
        Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
        (int M, int N, int K)[] shapes =
        [
            (1024, 384, 384), (1024, 1536, 384), (1024, 384, 1536), (128, 384, 384), (128, 1536, 384), (128, 384, 1536),
            (128, 2048, 2048), (128, 256, 2048), (128, 5632, 2048), (128, 2048, 5632),
        ];
        foreach (var (m, n, k) in shapes)
        {
            var x = Measure.RandomInput(m * k, 1, -1f, 1f);
            var w = Measure.RandomInput(n * k, 2, -1f, 1f);
            var s = Measure.RandomInput(m * n, 3, -1f, 1f);
            var y = new float[m * n];
            var c = new float[m * k];
            double flops = 2.0 * m * n * k / 1e6;
            using var ort = new OrtBaseline(MlpModel.Build([k, n], seed: 5), MlpModel.InputName, MlpModel.OutputName, [k]);
            double ortMs = Measure.MedianMilliseconds(() => ort.Run(x, m), 3, 15);
            double forwardMs = Measure.MedianMilliseconds(() => backend.Gemm(false, true, m, n, k, x, w, y), 3, 15);
            double backwardMs = Measure.MedianMilliseconds(() => backend.Gemm(false, false, m, k, n, s, w, c), 3, 15);
            double backwardKnMs = Measure.MedianMilliseconds(() => backend.Gemm(false, true, m, k, n, s, w, c), 3, 15);
            Console.WriteLine($"| {m} | {n} | {k} | {flops / ortMs:F1} | {flops / forwardMs:F1} | {flops / backwardMs:F1} | {flops / backwardKnMs:F1} |");
        }

        return 0;
    }
}
