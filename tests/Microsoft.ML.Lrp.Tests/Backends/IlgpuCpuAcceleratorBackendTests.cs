using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Ilgpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>The backend operation tests on the ILGPU backend, run by ILGPU's CPU accelerator (no GPU needed).</summary>
[TestClass]
[TestCategory("Ilgpu")]
public sealed class IlgpuCpuAcceleratorBackendTests : BackendOperationTests
{
    private protected override IRelevanceBackend CreateBackend() => new IlgpuBackend(IlgpuDevice.CpuEmulator());
}
