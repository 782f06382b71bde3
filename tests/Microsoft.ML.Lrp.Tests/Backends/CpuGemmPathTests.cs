using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// Every path of the CPU GEMM against the naive double product: each transpose combination, odd sizes that leave
/// partial register tiles and partial 8 × 8 packing blocks, several depth blocks (<see cref="BlockedGemm.Kc"/>),
/// tiles whose rows fit one A block (B packed a few micro-panels at a time) and tiles that do not (B packed by
/// block), one thread and several, beta, and the strided-batched entry point.
/// </summary>
[TestClass]
public sealed class CpuGemmPathTests
{
    private static readonly int[] OddSizes = [1, 3, 17, 63, 65, 129];

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void Gemm_OddSizesEveryCombination_MatchesNaive(bool transA, bool transB)
    {
        var backend = new CpuBackend();
        double worst = 0;
        int seed = 100;
        foreach (int m in OddSizes)
        {
            foreach (int n in OddSizes)
            {
                foreach (int k in OddSizes)
                {
                    float beta = (m + n + k) % 3 == 0 ? 0f : (m + n + k) % 3 == 1 ? 1f : -0.75f;
                    worst = Math.Max(worst, Check(transA, transB, m, n, k, beta, seed++, (a, b, c) => backend.Gemm(transA, transB, m, n, k, a, b, c, beta)));
                }
            }
        }

        Assert.AreEqual(0.0, worst, 1e-5);
    }

    [TestMethod]
    [DataRow(false, false, 1)]
    [DataRow(true, false, 1)]
    [DataRow(false, true, 1)]
    [DataRow(true, true, 1)]
    [DataRow(false, false, 4)]
    [DataRow(true, false, 4)]
    [DataRow(false, true, 4)]
    [DataRow(true, true, 4)]
    public void Gemm_LargeBlockedShapes_MatchesNaive(bool transA, bool transB, int threads)
    {
        // (m ≤ Mc: B packed per micro-panel group) (m > Mc: B packed per block) (n > Nc: two column blocks);
        // depths past Kc with a tail that is not a multiple of 8; widths that are not multiples of 8.
        (int M, int N, int K, float Beta)[] shapes =
        [
            (128, 203, 523, 0f), (145, 77, 300, 0.5f), (23, 2085, 70, 1f), (301, 45, 257, 0f), (7, 1000, 9, -2f),
        ];
        double worst = 0;
        int seed = 7;
        foreach ((int m, int n, int k, float beta) in shapes)
        {
            worst = Math.Max(worst, Check(transA, transB, m, n, k, beta, seed++, (a, b, c) => BlockedGemm.Multiply(transA, transB, m, n, k, a, b, c, beta, threads)));
        }

        Assert.AreEqual(0.0, worst, 1e-5);
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Gemm_BetaZeroOnBlockedPath_IgnoresNaNInOutput(bool transB)
    {
        const int m = 17, n = 33, k = 65;
        float[] a = NaiveKernels.RandomTensor(m * k, 1), b = NaiveKernels.RandomTensor(k * n, 2);
        float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        (double[] expected, _) = NaiveKernels.Gemm(false, transB, m, n, k, a, b, new float[m * n], 0f);
        new CpuBackend().Gemm(false, transB, m, n, k, a, b, c);
        double worst = 0;
        for (int i = 0; i < c.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(c[i] - expected[i]));
        }

        Assert.AreEqual(0.0, worst, 1e-4);
    }

    [TestMethod]
    [DataRow(false, false, 3, 17, 5, 7)]
    [DataRow(true, true, 17, 3, 63, 5)]
    [DataRow(false, true, 65, 33, 520, 4)]
    [DataRow(true, false, 129, 65, 130, 3)]
    public void GemmStridedBatched_PaddedStridesAndBeta_MatchesNaivePerProduct(bool transA, bool transB, int m, int n, int k, int batch)
    {
        // Small products run one per thread; of the two above the parallel threshold, 4 products run one per thread
        // on 2 or 4 cores and 3 products one after another on all threads.
        int strideA = (m * k) + 3, strideB = (k * n) + 5, strideC = (m * n) + 2;
        float[] a = NaiveKernels.RandomTensor(strideA * batch, 11), b = NaiveKernels.RandomTensor(strideB * batch, 12);
        float[] c = NaiveKernels.RandomTensor(strideC * batch, 13), before = (float[])c.Clone();
        const float beta = 0.25f;
        new CpuBackend().GemmStridedBatched(transA, transB, m, n, k, batch, a, strideA, b, strideB, c, strideC, beta);
        double worst = 0;
        for (int z = 0; z < batch; z++)
        {
            float[] az = a.AsSpan(z * strideA, m * k).ToArray(), bz = b.AsSpan(z * strideB, k * n).ToArray();
            float[] cz = before.AsSpan(z * strideC, m * n).ToArray();
            (double[] expected, double[] magnitude) = NaiveKernels.Gemm(transA, transB, m, n, k, az, bz, cz, beta);
            for (int i = 0; i < m * n; i++)
            {
                worst = Math.Max(worst, Math.Abs(c[(z * strideC) + i] - expected[i]) / Math.Max(1.0, magnitude[i]));
            }

            for (int gap = m * n; gap < strideC; gap++)
            {
                Assert.AreEqual(before[(z * strideC) + gap], c[(z * strideC) + gap], "padding between products changed");
            }
        }

        Assert.AreEqual(0.0, worst, 1e-5);
    }

    [TestMethod]
    public void Partition_FewRowsManyColumns_SplitsColumnsOnly()
    {
        // 128 rows (22 micro-panels) × 2048 columns on 2 threads: each thread takes all rows and half the columns.
        (int tm, int tn) = GemmPartition.Choose(22, 2048 / GemmMicroKernel.Nr, 2048, 2);
        Assert.AreEqual(1, tm);
        Assert.AreEqual(0, tn % 2);
    }

    private static double Check(bool transA, bool transB, int m, int n, int k, float beta, int seed, Action<float[], float[], float[]> gemm)
    {
        float[] a = NaiveKernels.RandomTensor(m * k, seed * 3), b = NaiveKernels.RandomTensor(k * n, (seed * 3) + 1);
        float[] c = NaiveKernels.RandomTensor(m * n, (seed * 3) + 2);
        (double[] expected, double[] magnitude) = NaiveKernels.Gemm(transA, transB, m, n, k, a, b, c, beta);
        gemm(a, b, c);
        double worst = 0;
        for (int i = 0; i < c.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(c[i] - expected[i]) / Math.Max(1.0, magnitude[i]));
        }

        return worst;
    }
}
