using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// The rule-body operations of <see cref="IRelevanceBackend"/> for winners, views, batched products and the
/// transformer rules, against naive double-precision loops and the CPU backend.
/// </summary>
public abstract partial class BackendOperationTests
{
    [TestMethod]
    public void WinnerScatter_MaxPoolAndGlobal_MatchNaive()
    {
        var c = CpuConvolutionTests.Geometry(2, 3, 3, 3, "7 3 2 1 1 1|6 2 1 0 0 1");
        var g = new PoolGeometry(2, 3, c.InSpatial, c.KernelSpatial, c.OutSpatial, c.Strides, c.PadsBegin, c.Dilations, false);
        int planes = 6, inSize = g.InSpatialSize, outSize = g.OutSpatialSize;
        float[] x = NaiveKernels.RandomTensor(planes * inSize, 70), r = NaiveKernels.RandomTensor(planes * outSize, 71);
        x[1] = x[0]; // a tie: the first maximum wins
        var rx = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        Backend.MaxPoolScatter(g, x, r, rx);
        var expected = new double[x.Length];
        var values = new double[r.Length];
        var windows = NaiveKernels.PoolWindows(g);
        for (int p = 0; p < planes; p++)
        {
            for (int o = 0; o < outSize; o++)
            {
                int best = windows[o].Aggregate((i, j) => x[(p * inSize) + j] > x[(p * inSize) + i] ? j : i);
                expected[(p * inSize) + best] += r[(p * outSize) + o];
                values[(p * outSize) + o] = x[(p * inSize) + best];
            }
        }

        Assert.AreEqual(0.0, Worst(expected, rx, null), Tolerance, "MaxPool scatter");
        var y = new float[r.Length];
        Backend.MaxPoolValues(g, x, y);
        Assert.AreEqual(0.0, Worst(values, y, null), Tolerance, "MaxPool values");

        float[] rg = NaiveKernels.RandomTensor(planes, 72);
        var rxg = Enumerable.Repeat(float.NaN, x.Length).ToArray();
        Backend.GlobalMaxScatter(x, rg, planes, rxg);
        var eg = new double[x.Length];
        var pooled = new float[planes];
        var meanPooled = new float[planes];
        Backend.GlobalPool(x, planes, true, pooled);
        Backend.GlobalPool(x, planes, false, meanPooled);
        for (int p = 0; p < planes; p++)
        {
            var plane = x.Skip(p * inSize).Take(inSize).ToArray();
            eg[(p * inSize) + Array.IndexOf(plane, plane.Max())] = rg[p];
            Assert.AreEqual(plane.Max(), pooled[p]);
            Assert.AreEqual(plane.Average(v => (double)v), meanPooled[p], 1e-6);
        }

        Assert.AreEqual(0.0, Worst(eg, rxg, null), Tolerance, "global scatter");
    }

    [TestMethod]
    public void StridedCopy_TransposeGatherAndScatter_MatchNaive()
    {
        // A transpose of [3, 4, 5] to [5, 3, 4] with an offset of 7 into a larger source.
        int[] shape = [5, 3, 4], strides = [1, 20, 5];
        float[] source = NaiveKernels.RandomTensor(7 + 60, 73);
        var y = new float[60];
        Backend.StridedCopy(7, shape, strides, source, y, scatter: false);
        var expected = new double[60];
        for (int i = 0; i < 60; i++)
        {
            int a = i / 12, b = i / 4 % 3, c = i % 4;
            expected[i] = source[7 + a + (20 * b) + (5 * c)];
        }

        Assert.AreEqual(0.0, Worst(expected, y, null), Tolerance, "gather");
        var target = new float[67];
        target[0] = 42f;
        Backend.StridedCopy(7, shape, strides, target, y, scatter: true);
        Assert.AreEqual(42f, target[0], "elements outside the view are kept");
        CollectionAssert.AreEqual(source[7..], target[7..], "scatter inverts the gather");
    }

    [TestMethod]
    public void BatchedMatMulAndShares_BroadcastB_MatchNaive()
    {
        // Three products [2, 5]·[5, 3] sharing one B; A carries relevance per matrix, B summed over the batch.
        int m = 2, k = 5, n = 3;
        var g = new MatMulBatch(m, n, k, [(0, 0, 0), (m * k, 0, m * n), (2 * m * k, 0, 2 * m * n)], true, false);
        float[] a = NaiveKernels.RandomTensor(3 * m * k, 74), b = NaiveKernels.RandomTensor(k * n, 75), s = NaiveKernels.RandomTensor(3 * m * n, 76);
        var z = new float[3 * m * n];
        Backend.BatchedMatMul(g, a, b, z);
        float[] ra = new float[a.Length], rb = new float[b.Length];
        Backend.BilinearShares(g, a, b, s, ra, rb);
        double[] ez = new double[z.Length], era = new double[a.Length], erb = new double[b.Length];
        foreach (var (oa, _, oz) in g.Offsets)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    for (int l = 0; l < k; l++)
                    {
                        double term = (double)a[oa + (i * k) + l] * b[(l * n) + j];
                        ez[oz + (i * n) + j] += term;
                        era[oa + (i * k) + l] += term * s[oz + (i * n) + j];
                        erb[(l * n) + j] += term * s[oz + (i * n) + j];
                    }
                }
            }
        }

        Assert.AreEqual(0.0, Worst(ez, z, null), Tolerance, "products");
        Assert.AreEqual(0.0, Worst(era, ra, null), Tolerance, "A shares");
        Assert.AreEqual(0.0, Worst(erb, rb, null), Tolerance, "B shares");
        Assert.IsFalse(Backend.BilinearFusable(g, aCarries: false, bCarries: true), "B is broadcast: its shares cannot be fused per matrix");
    }

    [TestMethod]
    public void BilinearFused_WhereFusable_MatchesNaive()
    {
        int m = 3, k = 4, n = 2, count = 4;
        var g = new MatMulBatch(m, n, k, [.. Enumerable.Range(0, count).Select(i => (i * m * k, i * k * n, i * m * n))], true, true);
        if (!Backend.BilinearFusable(g, true, true))
        {
            Assert.IsNotInstanceOfType<Lrp.Backends.Cpu.CpuBackend>(Backend, "the CPU backend fuses small distinct batches");
            return;
        }

        float[] a = NaiveKernels.RandomTensor(count * m * k, 77), b = NaiveKernels.RandomTensor(count * k * n, 78), r = NaiveKernels.RandomTensor(count * m * n, 79);
        float[] ra = new float[a.Length], rb = new float[b.Length];
        var absorbed = Backend.BilinearFused(g, a, b, r, 2f, Eps, ra, rb);
        double[] era = new double[a.Length], erb = new double[b.Length];
        for (int t = 0; t < count; t++)
        {
            double expectedAbsorbed = 0;
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double z = 2 * Enumerable.Range(0, k).Sum(l => (double)a[(t * m * k) + (i * k) + l] * b[(t * k * n) + (l * n) + j]);
                    double s = r[(t * m * n) + (i * n) + j] / (z + (z >= 0 ? Eps : -Eps));
                    expectedAbsorbed += r[(t * m * n) + (i * n) + j] - (s * z);
                    for (int l = 0; l < k; l++)
                    {
                        double term = (double)a[(t * m * k) + (i * k) + l] * b[(t * k * n) + (l * n) + j] * s;
                        era[(t * m * k) + (i * k) + l] += term;
                        erb[(t * k * n) + (l * n) + j] += term;
                    }
                }
            }

            Assert.AreEqual(expectedAbsorbed, absorbed[t], 1e-4 * Math.Max(1, Math.Abs(expectedAbsorbed)));
        }

        Assert.AreEqual(0.0, Worst(era, ra, null), 1e-4, "A shares");
        Assert.AreEqual(0.0, Worst(erb, rb, null), 1e-4, "B shares");
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(3)]
    public void SoftmaxRelevance_WithMaskedElement_MatchesNaive(int inner)
    {
        int outer = 2, length = 6, size = outer * length * inner;
        float[] x = NaiveKernels.RandomTensor(size, 80), r = NaiveKernels.RandomTensor(size, 81);
        x[inner] = float.NegativeInfinity; // masked: weight 0
        var y = new float[size];
        var rx = new float[size];
        double[] erx = new double[size], eAbsorbed = new double[size];
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < inner; c++)
            {
                int[] idx = [.. Enumerable.Range(0, length).Select(j => (((o * length) + j) * inner) + c)];
                double max = idx.Max(i => (double)x[i]);
                double total = idx.Sum(i => Math.Exp(x[i] - max));
                foreach (int i in idx)
                {
                    y[i] = (float)(Math.Exp(x[i] - max) / total);
                }

                bool Kept(int i) => y[i] != 0f && float.IsFinite(x[i]);
                double sumR = idx.Sum(i => (double)r[i]), sx = idx.Where(Kept).Sum(i => (double)y[i] * x[i]);
                foreach (int i in idx)
                {
                    erx[i] = Kept(i) ? x[i] * (r[i] - (y[i] * sumR)) : 0;
                    eAbsorbed[i] = Kept(i) ? r[i] * (1 - x[i] + sx) : r[i] * (1 + sx);
                }
            }
        }

        if (inner == 1)
        {
            var perRow = new double[outer];
            Backend.SoftmaxRelevanceLastAxis(x, y, r, rx, length, perRow);
            for (int o = 0; o < outer; o++)
            {
                Assert.AreEqual(eAbsorbed.Skip(o * length).Take(length).Sum(), perRow[o], 1e-4);
            }
        }
        else
        {
            var absorbed = new float[size];
            Backend.SoftmaxRelevance(x, y, r, outer, length, inner, rx, absorbed);
            Assert.AreEqual(0.0, Worst(eAbsorbed, absorbed, null), Tolerance, "absorbed");
        }

        Assert.AreEqual(0.0, Worst(erx, rx, null), Tolerance, "R_x");
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void LayerNormRelevance_CenteredOrRms_MatchesNaive(bool centered)
    {
        int groups = 3, length = 8, size = groups * length;
        float[] x = NaiveKernels.RandomTensor(size, 82), r = NaiveKernels.RandomTensor(size, 83);
        float[] w = NaiveKernels.RandomTensor(length, 84), bias = NaiveKernels.RandomTensor(length, 85);
        float[] rx = new float[size], absorbed = new float[size];
        Backend.LayerNormRelevance(x, w, bias, r, length, 1e-5, Eps, centered, rx, absorbed);
        double[] erx = new double[size], eAbsorbed = new double[size];
        for (int gi = 0; gi < groups; gi++)
        {
            var xs = Enumerable.Range(gi * length, length).Select(i => (double)x[i]).ToArray();
            double mean = centered ? xs.Average() : 0;
            double sigma = Math.Sqrt((xs.Sum(v => (v - mean) * (v - mean)) / length) + 1e-5);
            var ws = new double[length];
            for (int k = 0; k < length; k++)
            {
                double y = (w[k] * (xs[k] - mean) / sigma) + bias[k];
                double s = r[(gi * length) + k] / (y + (y >= 0 ? Eps : -Eps));
                ws[k] = w[k] * s;
                eAbsorbed[(gi * length) + k] = r[(gi * length) + k] - (s * y) + (s * bias[k]);
            }

            double meanWs = centered ? ws.Average() : 0;
            for (int k = 0; k < length; k++)
            {
                erx[(gi * length) + k] = xs[k] / sigma * (ws[k] - meanWs);
            }
        }

        Assert.AreEqual(0.0, Worst(erx, rx, null), Tolerance, "R_x");
        Assert.AreEqual(0.0, Worst(eAbsorbed, absorbed, null), Tolerance, "absorbed");
    }
}
