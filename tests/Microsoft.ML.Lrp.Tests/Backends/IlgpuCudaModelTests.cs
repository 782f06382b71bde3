using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Ilgpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>Whole-model equality, CPU backend versus the ILGPU backend on CUDA device 0; inconclusive without one.</summary>
[TestClass]
[TestCategory("Ilgpu")]
[TestCategory("Cuda")]
public sealed class IlgpuCudaModelTests : ModelEqualityTests
{
    private protected override Func<IRelevanceBackend> BackendFactory()
    {
        var device = IlgpuDevice.Cuda(0);
        if (device is null)
        {
            Assert.Inconclusive("No CUDA device for ILGPU.");
        }

        return () => new IlgpuBackend(device);
    }
}
