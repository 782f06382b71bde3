using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Ilgpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// The backend operation tests on the ILGPU backend on CUDA device 0; inconclusive (reported as skipped, not
/// passed) where ILGPU sees no CUDA device.
/// </summary>
[TestClass]
[TestCategory("Ilgpu")]
[TestCategory("Cuda")]
public sealed class IlgpuCudaBackendTests : BackendOperationTests
{
    private protected override IRelevanceBackend CreateBackend()
    {
        var device = IlgpuDevice.Cuda(0);
        if (device is null)
        {
            Assert.Inconclusive($"No CUDA device for ILGPU (saw {IlgpuDevice.CudaDeviceNames().Count} devices).");
        }

        return new IlgpuBackend(device);
    }
}
