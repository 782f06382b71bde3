using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Tests.Reference;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>The replay's Erf (ONNX Runtime's kernel) against a double-precision erf, over a grid and the tails.</summary>
[TestClass]
public sealed class OrtErfKernelTests
{
    [TestMethod]
    public void Compute_Grid_WithinFloatPrecisionOfDoubleErf()
    {
        var x = Enumerable.Range(0, 200_001).Select(i => (float)((i - 100_000) * 8e-5)).Concat([-30f, 30f, 0f, -0f]).ToArray();
        var y = new float[x.Length];
        OrtErfKernel.Compute(x, y);

        double worst = 0;
        for (int i = 0; i < x.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(y[i] - ReferenceErf.Erf(x[i])));
        }

        Assert.IsLessThan(3e-7, worst);
        Assert.AreEqual(-1f, y[^4]);
        Assert.AreEqual(1f, y[^3]);
    }
}
