using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

[TestClass]
public sealed class CpuPoolingTests
{
    /// <summary>Cases: batch, channels, then per spatial axis "in kernel stride padBegin padEnd dilation" separated by '|'.</summary>
    public static IEnumerable<object[]> Cases =>
    [
        ["1-D padded", 2, 3, "10 3 2 1 1 1"],
        ["2-D ResNet stem", 1, 4, "12 3 2 1 1 1|12 3 2 1 1 1"],
        ["2-D asymmetric, dilated, window past the end", 2, 2, "9 2 2 0 1 2|7 3 3 1 2 1"],
        ["2-D global", 2, 5, "7 7 1 0 0 1|7 7 1 0 0 1"],
        ["3-D", 1, 2, "4 2 2 1 1 1|5 3 1 1 1 1|6 2 2 0 1 1"],
        ["2-D large", 2, 32, "40 3 2 1 1 1|40 3 2 1 1 1"],
        ["2-D wide rows, dilated, stride 3", 1, 3, "23 3 3 2 1 2|70 3 3 2 1 2"],
        ["2-D wide rows, stride 1", 1, 2, "9 2 1 0 0 1|45 4 1 1 2 1"],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void AveragePoolForward_BothPadCountings_MatchNaiveLoops(string name, int batch, int channels, string axes)
    {
        foreach (bool includePad in new[] { false, true })
        {
            PoolGeometry g = Geometry(batch, channels, axes, includePad);
            float[] x = NaiveKernels.RandomTensor(batch * channels * g.InSpatialSize, 1);
            float[] y = new float[batch * channels * g.OutSpatialSize];
            new CpuBackend().AveragePoolForward(g, x, y);
            List<int>[] windows = NaiveKernels.PoolWindows(g);
            double worst = 0;
            for (int plane = 0; plane < batch * channels; plane++)
            {
                for (int o = 0; o < windows.Length; o++)
                {
                    double sum = windows[o].Sum(i => (double)x[(plane * g.InSpatialSize) + i]);
                    double divisor = includePad ? ConvGeometry.Product(g.KernelSpatial) : windows[o].Count;
                    worst = Math.Max(worst, Math.Abs((sum / divisor) - y[(plane * windows.Length) + o]));
                }
            }

            Assert.AreEqual(0.0, worst, 1e-5, $"{name}, count_include_pad={includePad}");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void AveragePoolBackward_BothPadCountings_MatchNaiveLoops(string name, int batch, int channels, string axes)
    {
        foreach (bool includePad in new[] { false, true })
        {
            PoolGeometry g = Geometry(batch, channels, axes, includePad);
            float[] dy = NaiveKernels.RandomTensor(batch * channels * g.OutSpatialSize, 2);
            float[] dx = NaiveKernels.RandomTensor(batch * channels * g.InSpatialSize, 3);
            new CpuBackend().AveragePoolBackward(g, dy, dx);
            List<int>[] windows = NaiveKernels.PoolWindows(g);
            double[] expected = new double[dx.Length];
            for (int plane = 0; plane < batch * channels; plane++)
            {
                for (int o = 0; o < windows.Length; o++)
                {
                    double divisor = includePad ? ConvGeometry.Product(g.KernelSpatial) : windows[o].Count;
                    foreach (int i in windows[o])
                    {
                        expected[(plane * g.InSpatialSize) + i] += dy[(plane * windows.Length) + o] / divisor;
                    }
                }
            }

            double worst = expected.Select((e, i) => Math.Abs(e - dx[i])).Max();
            Assert.AreEqual(0.0, worst, 1e-5, $"{name}, count_include_pad={includePad}");
        }
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void MaxPoolArgmax_Geometry_MatchesNaiveLoops(string name, int batch, int channels, string axes)
    {
        PoolGeometry g = Geometry(batch, channels, axes, false);
        float[] x = NaiveKernels.RandomTensor(batch * channels * g.InSpatialSize, 4);
        for (int i = 0; i < x.Length; i += 3)
        {
            x[i] = -5f - (i % 2); // Negative maxima: padding (implicitly 0) must never win.
        }

        int[] argmax = new int[batch * channels * g.OutSpatialSize];
        new CpuBackend().MaxPoolArgmax(g, x, argmax);
        List<int>[] windows = NaiveKernels.PoolWindows(g);
        int mismatches = 0;
        for (int plane = 0; plane < batch * channels; plane++)
        {
            for (int o = 0; o < windows.Length; o++)
            {
                int best = -1;
                foreach (int i in windows[o])
                {
                    int flat = (plane * g.InSpatialSize) + i;
                    if (best < 0 || x[flat] > x[best])
                    {
                        best = flat;
                    }
                }

                mismatches += best == argmax[(plane * windows.Length) + o] ? 0 : 1;
            }
        }

        Assert.AreEqual(0, mismatches, name);
    }

    [TestMethod]
    public void MaxPoolArgmax_WideRowsWithManyTies_FirstMaximumInWindowOrderWins()
    {
        PoolGeometry g = Geometry(2, 3, "30 3 2 1 1 1|64 3 2 1 1 1", false);
        var random = new Random(11);
        float[] x = Enumerable.Range(0, 2 * 3 * g.InSpatialSize).Select(_ => (float)random.Next(3)).ToArray();
        int[] argmax = new int[2 * 3 * g.OutSpatialSize];
        new CpuBackend().MaxPoolArgmax(g, x, argmax);
        List<int>[] windows = NaiveKernels.PoolWindows(g);
        int mismatches = 0;
        for (int plane = 0; plane < 6; plane++)
        {
            for (int o = 0; o < windows.Length; o++)
            {
                int best = -1;
                foreach (int i in windows[o].Order())
                {
                    int flat = (plane * g.InSpatialSize) + i;
                    best = best < 0 || x[flat] > x[best] ? flat : best;
                }

                mismatches += best == argmax[(plane * windows.Length) + o] ? 0 : 1;
            }
        }

        Assert.AreEqual(0, mismatches);
    }

    [TestMethod]
    public void MaxPoolArgmax_Ties_FirstMaximumWins()
    {
        PoolGeometry g = Geometry(1, 1, "4 2 2 0 0 1|2 2 1 0 0 1", false);
        float[] x = [1f, 1f, 3f, 0f, 2f, 2f, 2f, 2f];
        int[] argmax = new int[2];
        new CpuBackend().MaxPoolArgmax(g, x, argmax);
        Assert.AreEqual(2 + (4 * 10), argmax[0] + (argmax[1] * 10));
    }

    [TestMethod]
    public void AveragePoolForward_AllPaddedWindow_ExcludingPadGivesZero()
    {
        PoolGeometry g = Geometry(1, 1, "2 2 2 0 2 1", false);
        float[] y = [float.NaN, float.NaN];
        new CpuBackend().AveragePoolForward(g, [1f, 3f], y);
        Assert.AreEqual(2.0, y[0] + y[1], 1e-6);
    }

    private static PoolGeometry Geometry(int batch, int channels, string axes, bool countIncludePad)
    {
        ConvGeometry c = CpuConvolutionTests.Geometry(batch, channels, channels, channels, axes);
        return new PoolGeometry(batch, channels, c.InSpatial, c.KernelSpatial, c.OutSpatial, c.Strides, c.PadsBegin, c.Dilations, countIncludePad);
    }
}
