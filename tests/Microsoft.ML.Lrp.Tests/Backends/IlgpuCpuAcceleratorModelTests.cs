using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Ilgpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>Whole-model equality, CPU backend versus the ILGPU backend on ILGPU's CPU accelerator.</summary>
[TestClass]
[TestCategory("Ilgpu")]
public sealed class IlgpuCpuAcceleratorModelTests : ModelEqualityTests
{
    private protected override Func<IRelevanceBackend> BackendFactory() => () => new IlgpuBackend(IlgpuDevice.CpuEmulator());
}
