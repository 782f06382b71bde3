using System.Runtime.CompilerServices;
namespace Microsoft.ML.Lrp.Backends.Cpu.Bodies;

/// <summary>
/// The AttnLRP LayerNorm / RMSNorm rule on the CPU (see the rules' <c>LayerNormRule</c> for the formula), one group
/// of <c>length</c> normalised elements per parallel item, in double.
/// </summary>
internal static class LayerNormRelevanceKernel
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(float[] x, float[] w, float[]? bias, float[] r, int length, double epsilonNorm, double stabiliser, bool centered, float[] rx, float[] absorbed)
    {
        int groups = length == 0 ? 0 : x.Length / length;
        Parallel.For(0, groups, CpuParallel.Options, g =>
        {
            int start = g * length;
            double mean = 0;
            if (centered)
            {
                for (int k = 0; k < length; k++)
                {
                    mean += x[start + k];
                }

                mean /= length;
            }
            double variance = 0;
            for (int k = 0; k < length; k++)
            {
                double d = x[start + k] - mean;
                variance += d * d;
            }

            double sigma = Math.Sqrt((variance / length) + epsilonNorm);
            var ws = new double[length];
            double meanWs = 0;
            for (int k = 0; k < length; k++)
            {
                double b = bias is null ? 0 : bias[k];
                double y = (w[k] * (x[start + k] - mean) / sigma) + b;
                double sk = r[start + k] / (y + (y >= 0 ? stabiliser : -stabiliser));
                ws[k] = w[k] * sk;
                meanWs += ws[k];

                // Absorbed from the node's own terms: the stabiliser's share R − s·y and the bias' share s·b (the
                // mean's terms cancel over the group), so the conservation report checks R_x rather than defining it.
                absorbed[start + k] = (float)((r[start + k] - (sk * y)) + (sk * b));
            }

            meanWs = centered ? meanWs / length : 0;
            for (int k = 0; k < length; k++)
            {
                rx[start + k] = (float)(x[start + k] / sigma * (ws[k] - meanWs));
            }
        });
    }
}
