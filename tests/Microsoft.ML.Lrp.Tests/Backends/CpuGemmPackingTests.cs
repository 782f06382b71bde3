using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// The packed layouts the GEMM micro-kernel reads, checked element by element against their definition: A panels
/// hold, for each depth p, <see cref="GemmMicroKernel.Mr"/> consecutive rows of op(A); B panels, for each p,
/// <see cref="GemmMicroKernel.Nr"/> consecutive columns of op(B); zeros past the matrix edge; nothing written past the
/// documented room.
/// </summary>
[TestClass]
public sealed unsafe class CpuGemmPackingTests
{
    private const float Sentinel = -12345f;

    [TestMethod]
    [DataRow(false, 20, 37, 3, 14, 5, 17)]
    [DataRow(false, 20, 37, 0, 20, 0, 37)]
    [DataRow(true, 20, 37, 3, 14, 5, 17)]
    [DataRow(true, 13, 9, 0, 13, 1, 8)]
    public void PackA_AnyBlock_MatchesPanelLayout(bool transA, int m, int k, int i0, int mc, int p0, int kc)
    {
        const int mr = GemmMicroKernel.Mr;
        float[] a = NaiveKernels.RandomTensor(m * k, 21);
        int panels = (mc + mr - 1) / mr, packed = panels * mr * kc;
        float[] dst = Enumerable.Repeat(Sentinel, packed + 2 + 16).ToArray();
        fixed (float* pa = a, pd = dst)
        {
            GemmPacking.PackA(transA, pa, m, k, i0, mc, p0, kc, pd);
        }

        for (int panel = 0; panel < panels; panel++)
        {
            for (int p = 0; p < kc; p++)
            {
                for (int r = 0; r < mr; r++)
                {
                    int i = i0 + (panel * mr) + r;
                    float expected = (panel * mr) + r >= mc ? 0f : transA ? a[((p0 + p) * m) + i] : a[(i * k) + p0 + p];
                    Assert.AreEqual(expected, dst[(((panel * kc) + p) * mr) + r], $"panel {panel}, p {p}, row {r}");
                }
            }
        }

        for (int i = packed + 2; i < dst.Length; i++)
        {
            Assert.AreEqual(Sentinel, dst[i], $"written past the packed block at {i - packed}");
        }
    }

    [TestMethod]
    [DataRow(false, 50, 40, 3, 19, 7, 41)]
    [DataRow(true, 50, 40, 3, 19, 7, 41)]
    [DataRow(true, 64, 16, 0, 16, 0, 64)]
    [DataRow(true, 33, 12, 5, 7, 1, 30)]
    public void PackB_AnyBlock_MatchesPanelLayout(bool transB, int n, int k, int p0, int kc, int j0, int nc)
    {
        int nr = GemmMicroKernel.Nr;
        float[] b = NaiveKernels.RandomTensor(k * n, 22);
        int panels = (nc + nr - 1) / nr, packed = panels * nr * kc;
        float[] dst = Enumerable.Repeat(Sentinel, packed + 16).ToArray();
        fixed (float* pb = b, pd = dst)
        {
            GemmPacking.PackB(transB, pb, n, k, p0, kc, j0, nc, pd);
        }

        for (int panel = 0; panel < panels; panel++)
        {
            for (int p = 0; p < kc; p++)
            {
                for (int col = 0; col < nr; col++)
                {
                    int j = j0 + (panel * nr) + col;
                    float expected = (panel * nr) + col >= nc ? 0f : transB ? b[(j * k) + p0 + p] : b[((p0 + p) * n) + j];
                    Assert.AreEqual(expected, dst[(((panel * kc) + p) * nr) + col], $"panel {panel}, p {p}, column {col}");
                }
            }
        }

        for (int i = packed; i < dst.Length; i++)
        {
            Assert.AreEqual(Sentinel, dst[i], $"written past the packed block at {i - packed}");
        }
    }
}
