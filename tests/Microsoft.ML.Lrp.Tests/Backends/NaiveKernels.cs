using Microsoft.ML.Lrp.Backends;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>Slow, plain double-precision reference loops the backends are compared against.</summary>
internal static class NaiveKernels
{
    public static float[] RandomTensor(int length, int seed)
    {
        var random = new Random(seed);
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2.0) - 1.0);
        }

        return values;
    }

    public static int OutSize(int input, int kernel, int stride, int padBegin, int padEnd, int dilation)
        => ((input + padBegin + padEnd - (dilation * (kernel - 1)) - 1) / stride) + 1;

    /// <summary>Returns the reference GEMM result and, per element, the sum of absolute terms (for tolerances).</summary>
    public static (double[] Value, double[] Magnitude) Gemm(
        bool transA, bool transB, int m, int n, int k, float[] a, float[] b, float[] c, float beta)
    {
        double[] value = new double[m * n], magnitude = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = beta * (double)c[(i * n) + j], abs = Math.Abs(sum);
                for (int p = 0; p < k; p++)
                {
                    double term = (double)(transA ? a[(p * m) + i] : a[(i * k) + p]) * (transB ? b[(j * k) + p] : b[(p * n) + j]);
                    sum += term;
                    abs += Math.Abs(term);
                }

                value[(i * n) + j] = sum;
                magnitude[(i * n) + j] = abs;
            }
        }

        return (value, magnitude);
    }

    public static double[] ConvForward(ConvGeometry g, float[] x, float[] w, float[] bias)
    {
        int cg = g.InChannels / g.Group, mg = g.OutChannels / g.Group;
        int inSize = g.InSpatialSize, outSize = g.OutSpatialSize, ks = g.KernelSize;
        int[,] table = InputTable(g);
        double[] y = new double[g.Batch * g.OutChannels * outSize];
        for (int n = 0; n < g.Batch; n++)
        {
            for (int m = 0; m < g.OutChannels; m++)
            {
                int group = m / mg;
                for (int o = 0; o < outSize; o++)
                {
                    double sum = bias.Length == 0 ? 0.0 : bias[m];
                    for (int ci = 0; ci < cg; ci++)
                    {
                        int c = (group * cg) + ci;
                        for (int kk = 0; kk < ks; kk++)
                        {
                            int input = table[o, kk];
                            if (input >= 0)
                            {
                                sum += (double)w[(((m * cg) + ci) * ks) + kk] * x[(((n * g.InChannels) + c) * inSize) + input];
                            }
                        }
                    }

                    y[(((n * g.OutChannels) + m) * outSize) + o] = sum;
                }
            }
        }

        return y;
    }

    public static double[] ConvBackwardData(ConvGeometry g, float[] dy, float[] w)
    {
        int cg = g.InChannels / g.Group, mg = g.OutChannels / g.Group;
        int inSize = g.InSpatialSize, outSize = g.OutSpatialSize, ks = g.KernelSize;
        int[,] table = InputTable(g);
        double[] dx = new double[g.Batch * g.InChannels * inSize];
        for (int n = 0; n < g.Batch; n++)
        {
            for (int m = 0; m < g.OutChannels; m++)
            {
                int group = m / mg;
                for (int o = 0; o < outSize; o++)
                {
                    for (int ci = 0; ci < cg; ci++)
                    {
                        int c = (group * cg) + ci;
                        for (int kk = 0; kk < ks; kk++)
                        {
                            int input = table[o, kk];
                            if (input >= 0)
                            {
                                dx[(((n * g.InChannels) + c) * inSize) + input] +=
                                    (double)w[(((m * cg) + ci) * ks) + kk] * dy[(((n * g.OutChannels) + m) * outSize) + o];
                            }
                        }
                    }
                }
            }
        }

        return dx;
    }

    /// <summary>Per output element: the flat in-bounds input indices of its window (within a plane).</summary>
    public static List<int>[] PoolWindows(PoolGeometry g)
    {
        var windows = new List<int>[g.OutSpatialSize];
        int ks = ConvGeometry.Product(g.KernelSpatial);
        for (int o = 0; o < windows.Length; o++)
        {
            windows[o] = [];
            for (int kk = 0; kk < ks; kk++)
            {
                int input = InputIndex(g.InSpatial, g.KernelSpatial, g.OutSpatial, g.Strides, g.PadsBegin, g.Dilations, o, kk);
                if (input >= 0)
                {
                    windows[o].Add(input);
                }
            }
        }

        return windows;
    }

    private static int[,] InputTable(ConvGeometry g)
    {
        int[,] table = new int[g.OutSpatialSize, g.KernelSize];
        for (int o = 0; o < g.OutSpatialSize; o++)
        {
            for (int kk = 0; kk < g.KernelSize; kk++)
            {
                table[o, kk] = InputIndex(g.InSpatial, g.KernelSpatial, g.OutSpatial, g.Strides, g.PadsBegin, g.Dilations, o, kk);
            }
        }

        return table;
    }

    /// <summary>The flat input index read by output <paramref name="o"/> at kernel offset <paramref name="kk"/>, or -1 in padding.</summary>
    private static int InputIndex(int[] inShape, int[] kernel, int[] outShape, int[] strides, int[] pads, int[] dilations, int o, int kk)
    {
        int rank = inShape.Length, flat = 0;
        int[] outIndex = Unflatten(o, outShape), kernelIndex = Unflatten(kk, kernel);
        for (int d = 0; d < rank; d++)
        {
            int i = (outIndex[d] * strides[d]) - pads[d] + (kernelIndex[d] * dilations[d]);
            if (i < 0 || i >= inShape[d])
            {
                return -1;
            }

            flat = (flat * inShape[d]) + i;
        }

        return flat;
    }

    private static int[] Unflatten(int flat, int[] shape)
    {
        int[] index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }

        return index;
    }
}
