using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>The backend operation tests on the CPU backend.</summary>
[TestClass]
public sealed class CpuBackendOperationTests : BackendOperationTests
{
    private protected override IRelevanceBackend CreateBackend() => new CpuBackend();
}
