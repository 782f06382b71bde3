using System.Diagnostics;
using System.Globalization;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Times <see cref="BlockedGemm"/> on the products a ResNet-18 convolution becomes (im2col forward, and the
/// transposed product of the backward data pass) and prints GFLOP/s. Called from the benchmark console program.
/// </summary>
internal static class CpuBackendMicroBenchmark
{
    private static readonly (int M, int N, int K)[] ResNetShapes =
    [
        (64, 3136, 576),
        (128, 784, 1152),
        (256, 196, 2304),
        (512, 49, 4608),
        (512, 512, 512),
    ];

    /// <summary>Runs the timings and writes one line per shape to <paramref name="output"/>.</summary>
    public static void Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine(
            $"CPU GEMM ({Environment.ProcessorCount} threads, {(GemmMicroKernel.Wide ? "512" : "256")}-bit kernel " +
            $"{GemmMicroKernel.Mr}x{GemmMicroKernel.Nr})");
        foreach (bool transA in new[] { false, true })
        {
            foreach ((int m, int n, int k) in ResNetShapes)
            {
                double multi = Measure(transA, m, n, k, Environment.ProcessorCount);
                double single = Measure(transA, m, n, k, 1);
                output.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  transA={transA,-5} M={m,4} N={n,5} K={k,5}: {multi,6:F1} GFLOP/s all threads, {single,6:F1} GFLOP/s one thread"));
            }
        }
    }

    /// <summary>Best-of-runs GFLOP/s of one product shape.</summary>
    public static double Measure(bool transA, int m, int n, int k, int threads)
    {
        var random = new Random(1);
        float[] a = new float[m * k], b = new float[k * n], c = new float[m * n];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = (float)random.NextDouble() - 0.5f;
        }

        for (int i = 0; i < b.Length; i++)
        {
            b[i] = (float)random.NextDouble() - 0.5f;
        }

        double flops = 2.0 * m * n * k;
        int reps = Math.Max(3, (int)(2e9 / flops));
        for (int i = 0; i < 3; i++)
        {
            BlockedGemm.Multiply(transA, false, m, n, k, a, b, c, 0f, threads);
        }

        double best = double.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < reps; i++)
            {
                BlockedGemm.Multiply(transA, false, m, n, k, a, b, c, 0f, threads);
            }

            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds / reps);
        }

        return flops / best / 1e9;
    }
}
