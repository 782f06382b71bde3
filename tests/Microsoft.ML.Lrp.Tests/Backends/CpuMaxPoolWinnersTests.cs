using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

[TestClass]
public sealed class CpuMaxPoolWinnersTests
{
    /// <summary>Cases: batch, channels, then per spatial axis "in kernel stride padBegin padEnd dilation" separated by '|'.</summary>
    public static IEnumerable<object[]> Cases =>
    [
        ["1-D padded", 2, 3, "10 3 2 1 1 1"],
        ["2-D ResNet stem", 3, 20, "30 3 2 1 1 1|30 3 2 1 1 1"],
        ["2-D asymmetric, dilated", 2, 2, "9 2 2 0 1 2|7 3 3 1 2 1"],
        ["3-D", 1, 2, "4 2 2 1 1 1|5 3 1 1 1 1|6 2 2 0 1 1"],
        ["2-D overlapping stride 1", 2, 40, "17 3 1 1 1 1|33 3 1 1 1 1"],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Values_Geometry_EqualFirstWindowMaximum(string name, int batch, int channels, string axes)
    {
        PoolGeometry g = Geometry(batch, channels, axes);
        float[] x = Input(batch * channels * g.InSpatialSize);
        float[] y = new float[batch * channels * g.OutSpatialSize];
        MaxPoolWinners.Values(g, x, y);
        int[] winners = NaiveWinners(g, x, batch * channels);
        double worst = winners.Select((w, o) => Math.Abs((double)x[w] - y[o])).Max();
        Assert.AreEqual(0.0, worst, 0.0, name);
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Scatter_Geometry_MatchesNaiveWinnerTakesAll(string name, int batch, int channels, string axes)
    {
        PoolGeometry g = Geometry(batch, channels, axes);
        float[] x = Input(batch * channels * g.InSpatialSize);
        float[] r = NaiveKernels.RandomTensor(batch * channels * g.OutSpatialSize, 9);
        float[] rx = Enumerable.Repeat(float.NaN, x.Length).ToArray(); // stale contents must be overwritten
        MaxPoolWinners.Scatter(g, x, r, rx);
        double[] expected = new double[x.Length];
        int[] winners = NaiveWinners(g, x, batch * channels);
        for (int o = 0; o < winners.Length; o++)
        {
            expected[winners[o]] += r[o];
        }

        double worst = expected.Select((e, i) => Math.Abs(e - rx[i])).Max();
        Assert.AreEqual(0.0, worst, 1e-6, name);
    }

    [TestMethod]
    public void Scatter_Ties_RelevanceGoesToFirstMaximum()
    {
        PoolGeometry g = Geometry(1, 1, "4 2 2 0 0 1|2 2 1 0 0 1");
        float[] x = [1f, 1f, 3f, 0f, 2f, 2f, 2f, 2f];
        float[] rx = new float[8];
        MaxPoolWinners.Scatter(g, x, [10f, 20f], rx);
        Assert.AreEqual(10.0 + (20.0 * 100), rx[2] + (rx[4] * 100), 1e-9);
    }

    /// <summary>Random values with many ties and negative maxima (padding must never win).</summary>
    private static float[] Input(int length)
    {
        var random = new Random(5);
        return Enumerable.Range(0, length).Select(i => i % 3 == 0 ? -5f - random.Next(2) : (float)random.Next(4) - 1f).ToArray();
    }

    /// <summary>Flat index of each output's first maximum, windows enumerated in row-major order.</summary>
    private static int[] NaiveWinners(PoolGeometry g, float[] x, int planes)
    {
        List<int>[] windows = NaiveKernels.PoolWindows(g);
        var winners = new int[planes * windows.Length];
        for (int plane = 0; plane < planes; plane++)
        {
            for (int o = 0; o < windows.Length; o++)
            {
                int best = -1;
                foreach (int i in windows[o].Order())
                {
                    int flat = (plane * g.InSpatialSize) + i;
                    best = best < 0 || x[flat] > x[best] ? flat : best;
                }

                winners[(plane * windows.Length) + o] = best;
            }
        }

        return winners;
    }

    private static PoolGeometry Geometry(int batch, int channels, string axes)
    {
        ConvGeometry c = CpuConvolutionTests.Geometry(batch, channels, channels, channels, axes);
        return new PoolGeometry(batch, channels, c.InSpatial, c.KernelSpatial, c.OutSpatial, c.Strides, c.PadsBegin, c.Dilations, false);
    }
}
