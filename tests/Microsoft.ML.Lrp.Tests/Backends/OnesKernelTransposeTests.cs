using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

[TestClass]
public sealed class OnesKernelTransposeTests
{
    /// <summary>Single-channel cases: batch, then per axis "in kernel stride padBegin padEnd dilation".</summary>
    public static IEnumerable<object[]> Cases =>
    [
        ["ResNet stem 7x7 stride 2", 3, "30 7 2 3 3 1|28 7 2 3 2 1"],
        ["3x3 stride 1", 1, "9 3 1 1 1 1|12 3 1 1 1 1"],
        ["dilated, asymmetric, stride 3", 2, "17 3 3 2 0 2|13 2 3 0 1 1"],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Run_Geometry_MatchesNaiveTransposedConvolutionWithOnes(string name, int batch, string axes)
    {
        ConvGeometry g = CpuConvolutionTests.Geometry(batch, 1, 1, 1, axes);
        float[] dy = NaiveKernels.RandomTensor(batch * g.OutSpatialSize, 3);
        float[] dx = Enumerable.Repeat(float.NaN, batch * g.InSpatialSize).ToArray(); // stale contents must be overwritten
        Assert.IsTrue(OnesKernelTranspose.Applies(g), name);
        OnesKernelTranspose.Run(g, dy, dx);
        double[] expected = NaiveKernels.ConvBackwardData(g, dy, Enumerable.Repeat(1f, g.KernelSize).ToArray());
        double worst = expected.Select((e, i) => Math.Abs(e - dx[i]) / (1 + Math.Abs(e))).Max();
        Assert.AreEqual(0.0, worst, 1e-6, name);
    }

    [TestMethod]
    public void Applies_TwoChannels_IsFalse()
    {
        ConvGeometry g = CpuConvolutionTests.Geometry(1, 2, 1, 1, "9 3 1 1 1 1|9 3 1 1 1 1");
        Assert.IsFalse(OnesKernelTranspose.Applies(g));
    }
}
