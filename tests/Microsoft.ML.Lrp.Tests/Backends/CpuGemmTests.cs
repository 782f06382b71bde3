using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

[TestClass]
public sealed class CpuGemmTests
{
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (7, 13, 5), (65, 129, 33), (1, 300, 40), (40, 1, 30), (2, 100, 7), (6, 32, 1), (13, 1000, 257),
        (3, 5, 600), (130, 301, 520),
    ];

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void Gemm_AnyShapeAndBeta_MatchesNaiveProduct(bool transA, bool transB)
    {
        var backend = new CpuBackend();
        double worst = 0;
        int seed = 1;
        foreach ((int m, int n, int k) in Shapes)
        {
            foreach (float beta in new[] { 0f, 1f, 0.5f })
            {
                float[] a = NaiveKernels.RandomTensor(m * k, seed++);
                float[] b = NaiveKernels.RandomTensor(k * n, seed++);
                float[] c = NaiveKernels.RandomTensor(m * n, seed++);
                (double[] expected, double[] magnitude) = NaiveKernels.Gemm(transA, transB, m, n, k, a, b, c, beta);
                backend.Gemm(transA, transB, m, n, k, a, b, c, beta);
                for (int i = 0; i < c.Length; i++)
                {
                    worst = Math.Max(worst, Math.Abs(c[i] - expected[i]) / Math.Max(1.0, magnitude[i]));
                }
            }
        }

        Assert.AreEqual(0.0, worst, 1e-5);
    }

    [TestMethod]
    public void Gemm_BetaZero_IgnoresNaNInOutput()
    {
        float[] c = [float.NaN, float.NaN];
        new CpuBackend().Gemm(false, false, 1, 2, 1, [2f], [3f, 4f], c);
        Assert.AreEqual(22.0, c[0] + (2 * c[1]), 1e-6);
    }

    [TestMethod]
    public void Gemm_DepthZero_ScalesOutputByBeta()
    {
        float[] c = [1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f];
        new CpuBackend().Gemm(false, false, 4, 2, 0, [], [], c, 0.5f);
        Assert.AreEqual(18.0, c.Sum(), 1e-6);
    }

    [TestMethod]
    public void Gemm_OperandTooShort_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => new CpuBackend().Gemm(false, false, 2, 2, 2, new float[3], new float[4], new float[4]));
}
