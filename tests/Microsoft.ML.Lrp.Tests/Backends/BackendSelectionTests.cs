using Microsoft.ML.Data;
using Microsoft.ML.Lrp.Tests.TestModels;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// Device selection through <see cref="LrpOptions.GpuDeviceId"/> and <see cref="LrpOptions.FallbackToCpu"/>, on a
/// machine without CUDA device 0 (inconclusive where one exists).
/// </summary>
[TestClass]
[TestCategory("Ilgpu")]
public sealed class BackendSelectionTests
{
    [TestMethod]
    public void Explainer_NoGpuDeviceId_RunsOnCpuBackend()
    {
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = TestNetworks.Mlp().Model });
        Assert.StartsWith("CPU", explainer.BackendName);
    }

    [TestMethod]
    public void Explainer_MissingCudaDeviceWithFallback_ReportsCpuBackend()
    {
        SkipWhereCudaExists();
        using var explainer = new LrpExplainer(new LrpOptions { ModelBytes = TestNetworks.Mlp().Model, GpuDeviceId = 0, FallbackToCpu = true });
        Assert.StartsWith("CPU", explainer.BackendName);
        Assert.HasCount(2 * 10, explainer.Explain(new float[2 * 10], 2).Relevance);
    }

    [TestMethod]
    public void Explainer_MissingCudaDeviceWithoutFallback_ThrowsNamingTheDevice()
    {
        SkipWhereCudaExists();
        var options = new LrpOptions { ModelBytes = TestNetworks.Mlp().Model, GpuDeviceId = 0, FallbackToCpu = false };
        var ex = Assert.ThrowsExactly<LrpException>(() => new LrpExplainer(options));
        Assert.Contains("CUDA device 0 not found", ex.Message);
    }

    [TestMethod]
    public void Transformer_MissingCudaDeviceWithFallback_ReportsCpuBackend()
    {
        SkipWhereCudaExists();
        var mlContext = new MLContext(seed: 1);
        var data = mlContext.Data.LoadFromEnumerable(new[] { new Row(), new Row() });
        var options = new LrpOptions { ModelBytes = TestNetworks.Mlp().Model, GpuDeviceId = 0, FallbackToCpu = true };
        using var transformer = (LrpTransformer)mlContext.Transforms.ExplainWithLrp(options).Fit(data);
        Assert.StartsWith("CPU", transformer.BackendName);
    }

    private static void SkipWhereCudaExists()
    {
        if (Microsoft.ML.Lrp.Backends.Ilgpu.IlgpuDevice.CudaDeviceNames().Count > 0)
        {
            Assert.Inconclusive("A CUDA device exists here; these tests need a machine without one.");
        }
    }

    private sealed class Row
    {
        [ColumnName("input")]
        [VectorType(10)]
        public float[] Input { get; set; } = new float[10];
    }
}
