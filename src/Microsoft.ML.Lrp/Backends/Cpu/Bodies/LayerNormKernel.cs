using System.Runtime.CompilerServices;
namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// LayerNormalization / RMSNormalization forward for replays (the replay's former loop): per row of <c>size</c>
/// elements, mean and variance in double, <c>y = (x − μ)·(1/√(var + ε))·scale + bias</c>.
/// </summary>
internal static class LayerNormKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float[] x, float[] scale, float[]? bias, int size, float epsilon, bool centered, float[] y)
    {
        for (int start = 0; start + size <= x.Length && size > 0; start += size)
        {
            var row = x.AsSpan(start, size);
            double mean = 0;
            if (centered)
            {
                foreach (float v in row)
                {
                    mean += v;
                }

                mean /= size;
            }
            double variance = 0;
            foreach (float v in row)
            {
                variance += (v - mean) * (v - mean);
            }

            float inverse = (float)(1.0 / Math.Sqrt((variance / size) + epsilon));
            float m = (float)mean;
            var dst = y.AsSpan(start, size);
            for (int i = 0; i < size; i++)
            {
                dst[i] = ((row[i] - m) * inverse * scale[i]) + (bias?[i] ?? 0f);
            }
        }
    }
}
