using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Backends.Ilgpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// <see cref="IRelevanceBackend.GemmStridedBatched"/> on the CPU backend and on the ILGPU backend (ILGPU's CPU
/// accelerator) against plain double loops written from <c>C_z = op(A_z)·op(B_z) + β·C_z</c>, with shared
/// (stride 0) and padded operands, and the ILGPU launch split (<see cref="IlgpuBackend.MaxGemmsPerLaunch"/>).
/// </summary>
[TestClass]
[TestCategory("Ilgpu")]
public sealed class TrafficBatchedGemmTests
{
    public static IEnumerable<object[]> Cases()
    {
        foreach (string backend in new[] { "cpu", "ilgpu" })
        {
            // transA, transB, m, n, k, batch, A stride (−1: packed), B stride (−1: packed), C padding, beta
            yield return [backend, false, false, 3, 5, 4, 6, -1, -1, 0, 0f];
            yield return [backend, true, false, 7, 2, 9, 5, 0, -1, 3, 0.5f];
            yield return [backend, false, true, 4, 66, 3, 3, -1, 0, 1, 0f];
            yield return [backend, true, true, 65, 5, 17, 2, -1, -1, 0, 1f];
            yield return [backend, false, false, 1, 1, 1, 1, -1, -1, 0, 0f];
        }
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void GemmStridedBatched_AnyShape_MatchesNaive(string backendName, bool transA, bool transB, int m, int n, int k, int batch, int strideA, int strideB, int cPad, float beta)
    {
        strideA = strideA < 0 ? m * k + 2 : strideA;
        strideB = strideB < 0 ? k * n : strideB;
        int strideC = (m * n) + cPad;
        float[] a = NaiveKernels.RandomTensor(((batch - 1) * strideA) + (m * k), 1);
        float[] b = NaiveKernels.RandomTensor(((batch - 1) * strideB) + (k * n), 2);
        float[] c = NaiveKernels.RandomTensor(((batch - 1) * strideC) + (m * n), 3);
        double[] expected = Naive(transA, transB, m, n, k, batch, a, strideA, b, strideB, c, strideC, beta);
        using var owned = Create(backendName, maxPerLaunch: 65535);
        owned.Backend.GemmStridedBatched(transA, transB, m, n, k, batch, a, strideA, b, strideB, c, strideC, beta);
        AssertClose(expected, c);
    }

    [TestMethod]
    public void GemmStridedBatched_MoreProductsThanOneLaunch_SplitsAndMatchesNaive()
    {
        const int m = 3, n = 4, k = 5, batch = 7;
        float[] a = NaiveKernels.RandomTensor(batch * m * k, 4), b = NaiveKernels.RandomTensor(batch * k * n, 5);
        float[] c = new float[batch * m * n];
        double[] expected = Naive(false, false, m, n, k, batch, a, m * k, b, k * n, c, m * n, 0f);
        using var owned = Create("ilgpu", maxPerLaunch: 3);
        using var meter = DeviceTrafficMeter.Begin();
        owned.Backend.GemmStridedBatched(false, false, m, n, k, batch, a, m * k, b, k * n, c, m * n);
        AssertClose(expected, c);
        var traffic = meter.Meter.Snapshot();
        Assert.AreEqual(1L, traffic.BackendCalls);
        Assert.AreEqual(3L, traffic.KernelLaunches, "⌈7 / 3⌉ launches");
        Assert.AreEqual((long)(a.Length + b.Length) * sizeof(float), traffic.HostToDeviceBytes);
        Assert.AreEqual((long)c.Length * sizeof(float), traffic.DeviceToHostBytes);
    }

    [TestMethod]
    [DataRow("cpu")]
    [DataRow("ilgpu")]
    public void GemmStridedBatched_OverlappingC_Throws(string backendName)
    {
        using var owned = Create(backendName, maxPerLaunch: 65535);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => owned.Backend.GemmStridedBatched(false, false, 2, 2, 2, 2, new float[8], 4, new float[8], 4, new float[8], 3));
        Assert.Contains("strides", ex.Message);
    }

    private static Owned Create(string name, int maxPerLaunch)
        => new(name == "cpu" ? new CpuBackend() : new IlgpuBackend(IlgpuDevice.CpuEmulator()) { MaxGemmsPerLaunch = maxPerLaunch });

    private static double[] Naive(bool transA, bool transB, int m, int n, int k, int batch, float[] a, int strideA, float[] b, int strideB, float[] c, int strideC, float beta)
    {
        double[] result = c.Select(v => (double)v).ToArray();
        for (int z = 0; z < batch; z++)
        {
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double sum = 0;
                    for (int l = 0; l < k; l++)
                    {
                        double av = transA ? a[(z * strideA) + (l * m) + i] : a[(z * strideA) + (i * k) + l];
                        double bv = transB ? b[(z * strideB) + (j * k) + l] : b[(z * strideB) + (l * n) + j];
                        sum += av * bv;
                    }

                    int index = (z * strideC) + (i * n) + j;
                    result[index] = sum + (beta == 0f ? 0 : beta * c[index]);
                }
            }
        }

        return result;
    }

    private static void AssertClose(double[] expected, float[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i], actual[i], 1e-5 * Math.Max(1, Math.Abs(expected[i])), $"element {i}");
        }
    }

    private sealed class Owned(IRelevanceBackend backend) : IDisposable
    {
        public IRelevanceBackend Backend { get; } = backend;

        public void Dispose() => (Backend as IDisposable)?.Dispose();
    }
}
