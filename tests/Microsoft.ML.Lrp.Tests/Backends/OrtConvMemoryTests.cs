using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// The memory side of the ONNX Runtime convolutions: a session is only promised (<see cref="OrtConvModel.Supports"/>)
/// where a model can be built (models are now built when a session is made, from the binder's array), bound sessions
/// of several layers that share the process arena compute their convolutions, and the tensor arena's counters add up.
/// </summary>
[TestClass]
public sealed class OrtConvMemoryTests
{
    /// <summary>Geometries with and without a model: ONNX forbids an output padding as large as the stride.</summary>
    public static IEnumerable<object[]> Geometries =>
    [
        ["3x3 stride 1", "12 3 1 1 1 1|12 3 1 1 1 1"],
        ["3x3 stride 2, asymmetric", "13 3 2 1 0 1|14 3 2 1 1 1"],
        ["1x1 stride 2", "9 1 2 0 0 1|9 1 2 0 0 1"],
        ["dilated", "15 3 1 2 2 2|15 3 1 2 2 2"],
        ["stride 3, input cut short", "10 2 3 0 0 1|10 2 3 0 0 1"],
        ["padding beyond the kernel", "8 3 1 4 0 1|8 3 1 4 0 1"],
    ];

    [TestMethod]
    [DynamicData(nameof(Geometries))]
    public void Supports_AgreesWithBuild(string name, string axes)
    {
        var g = CpuConvolutionTests.Geometry(1, 2, 3, 1, axes);
        foreach (bool transpose in new[] { false, true })
        {
            Assert.AreEqual(OrtConvModel.Build(g, transpose) is not null, OrtConvModel.Supports(g, transpose), $"{name}, transpose {transpose}");
        }
    }

    [TestMethod]
    public void Supports_PaddingBeyondTheKernel_ForwardOnly()
    {
        // Begin padding 4 with a 3-tap kernel: the stride-1 transpose as a convolution would need a negative padding.
        var g = CpuConvolutionTests.Geometry(1, 2, 3, 1, "8 3 1 4 0 1|8 3 1 4 0 1");
        Assert.IsTrue(OrtConvModel.Supports(g, transpose: false));
        Assert.IsFalse(OrtConvModel.Supports(g, transpose: true));
        Assert.IsNull(OrtConvModel.Build(g, true));
    }

    [TestMethod]
    public void Bind_ForwardAndTranspose_MatchNaiveLoopsAfterOtherSessionsRan()
    {
        // Both directions of one layer share the process arena with another layer's sessions; each result is checked
        // against the naive loops in double precision, so a buffer shared while in use would show.
        var g = CpuConvolutionTests.Geometry(4, 32, 40, 1, "30 3 2 1 0 1|30 3 1 1 1 1");
        var other = CpuConvolutionTests.Geometry(3, 40, 32, 1, "28 3 1 1 1 1|28 3 1 1 1 1");
        float[] w = NaiveKernels.RandomTensor(40 * 32 * 9, 11), w2 = NaiveKernels.RandomTensor(32 * 40 * 9, 12);
        var forward = OrtConvKernels.Bind(g, false, w);
        var backward = OrtConvKernels.Bind(g, true, w);
        var unrelated = OrtConvKernels.Bind(other, false, w2);
        Assert.IsNotNull(forward);
        Assert.IsNotNull(backward);
        Assert.IsNotNull(unrelated);
        try
        {
            var x = NaiveKernels.RandomTensor(4 * 32 * g.InSpatialSize, 13);
            var y = new float[4 * 40 * g.OutSpatialSize];
            var x2 = NaiveKernels.RandomTensor(3 * 40 * other.InSpatialSize, 14);
            var y2 = new float[3 * 32 * other.OutSpatialSize];
            Assert.IsTrue(OrtConvKernels.TryRunBound(unrelated, other, false, x2, y2));
            Assert.IsTrue(OrtConvKernels.TryRunBound(forward, g, false, x, y));
            var dx = new float[x.Length];
            Assert.IsTrue(OrtConvKernels.TryRunBound(backward, g, true, y, dx));

            AssertClose(NaiveKernels.ConvForward(other, x2, w2, []), y2, "other layer");
            AssertClose(NaiveKernels.ConvForward(g, x, w, []), y, "forward");
            AssertClose(NaiveKernels.ConvBackwardData(g, y, w), dx, "transpose");
        }
        finally
        {
            OrtConvKernels.Unbind(forward);
            OrtConvKernels.Unbind(backward);
            OrtConvKernels.Unbind(unrelated);
        }
    }

    [TestMethod]
    public void TensorArena_Counters_CountMadeReusedAndKeptBuffers()
    {
        var arena = new TensorArena();
        const int Length = 1 << 16;
        using (arena.Enter())
        {
            var a = TensorArena.Allocate(Length);
            var b = TensorArena.Allocate(Length);
            TensorArena.Release(a);
            var c = TensorArena.Allocate(Length);
            Assert.AreSame(a, c, "a given-back buffer is reused");
            TensorArena.Release(b);
            TensorArena.Release(c);
        }

        Assert.AreEqual(2L * 4 * Length, arena.MadeBytes);
        Assert.AreEqual(2L * 4 * Length, arena.PeakInUseBytes);
        Assert.AreEqual(2L * 4 * Length, arena.FreeBytes);

        using (arena.Enter())
        {
            TensorArena.Allocate(2 * Length);
        }

        // The second pass asked only for the longer length: the two free buffers of the first are dropped.
        Assert.AreEqual(4L * 2 * Length, arena.MadeBytes);
        Assert.AreEqual(0L, arena.FreeBytes);
    }

    private static void AssertClose(double[] expected, float[] actual, string what)
    {
        double scale = expected.Max(Math.Abs), worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }

        Assert.IsLessThan(1e-4 * scale, worst, what);
    }
}
