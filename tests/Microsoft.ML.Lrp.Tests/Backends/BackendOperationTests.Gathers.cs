using Microsoft.ML.Lrp.Promises.Replay;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>The replay operations moved behind the backend: index-map gathers, LayerNormalization and the Clip, HardSigmoid and Where op structs.</summary>
public abstract partial class BackendOperationTests
{
    [TestMethod]
    public void GatherByMap_WithPaddingAndRepeats_CopiesSources()
    {
        float[] x = NaiveKernels.RandomTensor(11, 218);
        int[] map = [.. Enumerable.Range(0, 37).Select(i => i % 4 == 0 ? -1 : (i * 5) % 11)];
        var y = new float[map.Length];
        Backend.GatherByMap(map, x, 0.25f, y);
        for (int i = 0; i < map.Length; i++)
        {
            Assert.AreEqual(map[i] < 0 ? 0.25f : x[map[i]], y[i], $"element {i}");
        }

        var padded = new float[3];
        Backend.GatherByMap([-1, -1, -1], [], -2f, padded);
        CollectionAssert.AreEqual(new[] { -2f, -2f, -2f }, padded, "all padding, empty source");
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(7)]
    [DataRow(130)]
    public void GatherRowsAndScatterAddRows_KeptRows_MatchNaiveAndCpu(int length)
    {
        const int Rows = 9;
        int[] kept = [7, 0, 4, 8];
        float[] x = NaiveKernels.RandomTensor(Rows * length, 225), r = NaiveKernels.RandomTensor(kept.Length * length, 226);
        float[] y0 = NaiveKernels.RandomTensor(Rows * length, 227);
        var gathered = new float[kept.Length * length];
        var cpuGathered = new float[gathered.Length];
        Backend.GatherRows(kept, length, x, gathered);
        Cpu.GatherRows(kept, length, x, cpuGathered);
        float[] y = (float[])y0.Clone(), cpu = (float[])y0.Clone();
        Backend.ScatterAddRows(kept, length, r, y);
        Cpu.ScatterAddRows(kept, length, r, cpu);
        var expectedGather = new double[gathered.Length];
        var expectedScatter = y0.Select(v => (double)v).ToArray();
        for (int j = 0; j < kept.Length; j++)
        {
            for (int k = 0; k < length; k++)
            {
                expectedGather[(j * length) + k] = x[(kept[j] * length) + k];
                expectedScatter[(kept[j] * length) + k] += r[(j * length) + k];
            }
        }

        Assert.AreEqual(0.0, Worst(expectedGather, gathered, null), Tolerance, "gather versus naive");
        Assert.AreEqual(0.0, Worst(cpuGathered, gathered, null), Tolerance, "gather versus CPU");
        Assert.AreEqual(0.0, Worst(expectedScatter, y, null), Tolerance, "scatter versus naive");
        Assert.AreEqual(0.0, Worst(cpu, y, null), Tolerance, "scatter versus CPU");
        Assert.AreEqual(y0[length], y[length], "row 1 is not kept: unchanged");
    }

    [TestMethod]
    [DataRow(1, true, true)]
    [DataRow(7, false, false)]
    [DataRow(33, true, false)]
    [DataRow(64, false, true)]
    public void LayerNorm_Forward_MatchesNaiveAndCpu(int size, bool centered, bool withBias)
    {
        int rows = 3, length = rows * size;
        float[] x = NaiveKernels.RandomTensor(length, 219).Select(v => (v * 5f) + 2f).ToArray(), scale = NaiveKernels.RandomTensor(size, 220);
        float[]? bias = withBias ? NaiveKernels.RandomTensor(size, 221) : null;
        float[] y = new float[length], cpu = new float[length];
        Backend.LayerNorm(x, scale, bias, size, 1e-5f, centered, y);
        Cpu.LayerNorm(x, scale, bias, size, 1e-5f, centered, cpu);
        var expected = new double[length];
        for (int r = 0; r < rows; r++)
        {
            var xs = Enumerable.Range(r * size, size).Select(i => (double)x[i]).ToArray();
            double mean = centered ? xs.Average() : 0;
            double inverse = 1 / Math.Sqrt((xs.Sum(v => (v - mean) * (v - mean)) / size) + 1e-5);
            for (int k = 0; k < size; k++)
            {
                expected[(r * size) + k] = ((xs[k] - mean) * inverse * scale[k]) + (bias?[k] ?? 0);
            }
        }

        Assert.AreEqual(0.0, Worst(expected, y, null), Tolerance, "versus naive");
        Assert.AreEqual(0.0, Worst(cpu, y, null), Tolerance, "versus CPU");
    }

    [TestMethod]
    public void Map_ReplayOps_MatchFormulasAndCpu()
    {
        const int Length = 1000;
        float[] a = NaiveKernels.RandomTensor(Length, 222).Select(v => v * 4f).ToArray(), b = NaiveKernels.RandomTensor(Length, 223), c = NaiveKernels.RandomTensor(Length, 224);
        for (int i = 0; i < Length; i += 3)
        {
            c[i] = 0f;
        }

        double worst = 0;
        worst = Math.Max(worst, CheckUnary(new ClipBounds(-0.5f, 0.7f), a, x => Math.Min(Math.Max(x, -0.5), 0.7)));
        worst = Math.Max(worst, CheckUnary(new HardSigmoidLine(0.2f, 0.5f), a, x => Math.Clamp((0.2 * x) + 0.5, 0, 1)));
        worst = Math.Max(worst, CheckTernary(new WhereSelect(), c, a, b, (cond, x, y) => cond != 0 ? x : y));
        Assert.AreEqual(0.0, worst, Tolerance);
        var y = new float[2];
        Backend.Map(new ClipBounds(0f, 1f), [float.NaN, 2f], y);
        Assert.IsTrue(float.IsNaN(y[0]), "Clip keeps NaN");
        Assert.AreEqual(1f, y[1]);
    }
}
