using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Ilgpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>The backend operation tests on the ILGPU backend, run by ILGPU's CPU accelerator (no GPU needed).</summary>
[TestClass]
[TestCategory("Ilgpu")]
public sealed class IlgpuCpuAcceleratorBackendTests : BackendOperationTests
{
    [TestMethod]
    [DataRow(1)]
    [DataRow(4)]
    public void ConvForwardAndBackward_GemmBatchSplitAcrossLaunches_MatchNaive(int maxPerLaunch)
    {
        // 3 samples × 2 groups = 6 GEMMs per call, in launches of 2 (one A period) or 4 (two periods).
        ConvGeometry g = CpuConvolutionTests.Geometry(3, 4, 6, 2, "5 3 1 1 1 1|4 3 2 1 0 1");
        using var backend = new IlgpuBackend(IlgpuDevice.CpuEmulator()) { MaxGemmsPerLaunch = maxPerLaunch };
        float[] x = NaiveKernels.RandomTensor(3 * 4 * g.InSpatialSize, 1), w = NaiveKernels.RandomTensor(6 * 2 * g.KernelSize, 2);
        float[] dy = NaiveKernels.RandomTensor(3 * 6 * g.OutSpatialSize, 3);
        float[] y = new float[dy.Length], dx = new float[x.Length];
        backend.ConvForward(g, x, w, [], y);
        backend.ConvBackwardData(g, dy, w, dx);
        double[] expectedY = NaiveKernels.ConvForward(g, x, w, []), expectedDx = NaiveKernels.ConvBackwardData(g, dy, w);
        Assert.AreEqual(0.0, Enumerable.Range(0, y.Length).Max(i => Math.Abs(y[i] - expectedY[i])), 1e-5, "forward");
        Assert.AreEqual(0.0, Enumerable.Range(0, dx.Length).Max(i => Math.Abs(dx[i] - expectedDx[i])), 1e-5, "backward data");
    }

    private protected override IRelevanceBackend CreateBackend() => new IlgpuBackend(IlgpuDevice.CpuEmulator());
}
