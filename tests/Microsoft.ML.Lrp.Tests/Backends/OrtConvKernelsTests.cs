using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>The large convolutions the CPU backend hands to ONNX Runtime, against the naive loops.</summary>
[TestClass]
public sealed class OrtConvKernelsTests
{
    /// <summary>Shapes above the ONNX Runtime threshold; axes as in <see cref="CpuConvolutionTests.Cases"/>.</summary>
    public static IEnumerable<object[]> Cases =>
    [
        ["stride 1, same padding", 2, 32, 32, "48 3 1 1 1 1|48 3 1 1 1 1"],
        ["stride 2, asymmetric padding", 2, 64, 48, "49 3 2 1 0 1|50 3 2 1 1 1"],
        ["dilated", 2, 24, 32, "40 3 1 2 2 2|40 3 1 2 2 2"],
        ["1x1 stride 2", 4, 128, 256, "28 1 2 0 0 1|28 1 2 0 0 1"],
        // One sample: blocks of output channels on their own threads (uneven blocks; the transposed stride-2 blocks
        // take a column block of W).
        ["one sample, uneven channel blocks", 1, 37, 35, "48 3 1 1 1 1|48 3 1 1 1 1"],
        ["one sample, stride 2", 1, 64, 80, "49 3 2 1 0 1|50 3 2 1 1 1"],
    ];

    [TestMethod]
    public void TryForward_OneSample_RunsChannelBlocksAndMatchesTheThreadedSession()
    {
        ConvGeometry g = CpuConvolutionTests.Geometry(1, 37, 35, 1, "48 3 1 1 1 1|48 3 1 1 1 1");
        float[] x = NaiveKernels.RandomTensor(37 * g.InSpatialSize, 9);
        float[] w = NaiveKernels.RandomTensor(35 * 37 * g.KernelSize, 10);
        float[] blocks = new float[35 * g.OutSpatialSize], threaded = new float[blocks.Length];
        long before = OrtConvSession.BlockRuns;
        Assert.IsTrue(OrtConvKernels.TryForward(g, x, w, ReadOnlySpan<float>.Empty, blocks));
        Assert.AreEqual(Environment.ProcessorCount >= 2 ? before + 1 : before, OrtConvSession.BlockRuns, "one run in channel blocks");
        try
        {
            OrtConvSession.SplitChannels = false;
            Assert.IsTrue(OrtConvKernels.TryForward(g, x, w, ReadOnlySpan<float>.Empty, threaded));
        }
        finally
        {
            OrtConvSession.SplitChannels = true;
        }

        Assert.AreEqual(0.0, MaxRelativeError([.. threaded.Select(v => (double)v)], blocks), 1e-6, "blocks against the threaded session");
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void TryForward_LargeConv_MatchesNaiveLoops(string name, int batch, int inChannels, int outChannels, string axes)
    {
        ConvGeometry g = CpuConvolutionTests.Geometry(batch, inChannels, outChannels, 1, axes);
        float[] x = NaiveKernels.RandomTensor(batch * inChannels * g.InSpatialSize, 1);
        float[] w = NaiveKernels.RandomTensor(outChannels * inChannels * g.KernelSize, 2);
        float[] y = new float[batch * outChannels * g.OutSpatialSize];
        Assert.IsTrue(OrtConvKernels.TryForward(g, x, w, ReadOnlySpan<float>.Empty, y), name);
        double[] expected = NaiveKernels.ConvForward(g, x, w, []);
        Assert.AreEqual(0.0, MaxRelativeError(expected, y), 1e-4, name);
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void TryBackwardData_LargeConv_MatchesNaiveLoops(string name, int batch, int inChannels, int outChannels, string axes)
    {
        ConvGeometry g = CpuConvolutionTests.Geometry(batch, inChannels, outChannels, 1, axes);
        float[] dy = NaiveKernels.RandomTensor(batch * outChannels * g.OutSpatialSize, 4);
        float[] w = NaiveKernels.RandomTensor(outChannels * inChannels * g.KernelSize, 5);
        float[] dx = NaiveKernels.RandomTensor(batch * inChannels * g.InSpatialSize, 6);
        Assert.IsTrue(OrtConvKernels.TryBackwardData(g, dy, w, dx), name);
        double[] expected = NaiveKernels.ConvBackwardData(g, dy, w);
        Assert.AreEqual(0.0, MaxRelativeError(expected, dx), 1e-4, name);
    }

    [TestMethod]
    public void TryForward_SameGeometryOtherWeights_UsesTheNewWeights()
    {
        ConvGeometry g = CpuConvolutionTests.Geometry(2, 32, 32, 1, "48 3 1 1 1 1|48 3 1 1 1 1");
        float[] x = NaiveKernels.RandomTensor(2 * 32 * g.InSpatialSize, 7);
        float[] w = NaiveKernels.RandomTensor(32 * 32 * 9, 8);
        float[] y = new float[2 * 32 * g.OutSpatialSize];
        Assert.IsTrue(OrtConvKernels.TryForward(g, x, w, ReadOnlySpan<float>.Empty, y));
        w[w.Length / 2 + 1] += 1f;
        Assert.IsTrue(OrtConvKernels.TryForward(g, x, w, ReadOnlySpan<float>.Empty, y));
        Assert.AreEqual(0.0, MaxRelativeError(NaiveKernels.ConvForward(g, x, w, []), y), 1e-4);
    }

    /// <summary>
    /// The sessions read the layer's array as an in-memory external file (the models carry no weights; the flip and
    /// channel slices are constant nodes ONNX Runtime folds): the same results as the weights written inline, for
    /// every direction, stride and channel block.
    /// </summary>
    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void Sessions_WeightsInMemoryAndInline_Agree(string name, int batch, int inChannels, int outChannels, string axes)
    {
        Assert.IsTrue(OrtWeightFile.Available, "this ONNX Runtime build takes external data from memory");
        ConvGeometry g = CpuConvolutionTests.Geometry(batch, inChannels, outChannels, 1, axes);
        float[] w = NaiveKernels.RandomTensor(outChannels * inChannels * g.KernelSize, 11);
        foreach (bool transpose in new[] { false, true })
        {
            Assert.IsTrue(OrtConvModel.Build(g, transpose)!.CalculateSize() < 2048, $"{name}: the model carries no weights");
            int inLength = batch * (transpose ? outChannels * g.OutSpatialSize : inChannels * g.InSpatialSize);
            int outLength = batch * (transpose ? inChannels * g.InSpatialSize : outChannels * g.OutSpatialSize);
            long[] inShape = transpose ? [outChannels, .. g.OutSpatial.Select(d => (long)d)] : [inChannels, .. g.InSpatial.Select(d => (long)d)];
            long[] outShape = transpose ? [inChannels, .. g.InSpatial.Select(d => (long)d)] : [outChannels, .. g.OutSpatial.Select(d => (long)d)];
            float[] input = NaiveKernels.RandomTensor(inLength, 12);
            float[] inMemory = new float[outLength], inline = new float[outLength];
            Assert.IsTrue(RunFresh(w, g, transpose, inShape, outShape, input, inMemory), name);
            try
            {
                OrtWeightFile.InMemory = false;
                Assert.IsTrue(RunFresh(w, g, transpose, inShape, outShape, input, inline), name);
            }
            finally
            {
                OrtWeightFile.InMemory = true;
            }

            Assert.IsTrue(inline.Any(v => v != 0), name);
            CollectionAssert.AreEqual(inline, inMemory, $"{name}, transpose {transpose}");
        }
    }

    private static bool RunFresh(float[] w, ConvGeometry g, bool transpose, long[] inShape, long[] outShape, float[] input, float[] output)
    {
        var session = new OrtConvSession(w, () => OrtConvModel.Build(g, transpose), (first, end) => OrtConvModel.BuildChannels(g, transpose, first, end), transpose ? g.InChannels : g.OutChannels);
        session.Acquire();
        try
        {
            return session.Run(g.Batch, inShape, outShape, input, output);
        }
        finally
        {
            session.Release();
            session.Retire();
        }
    }

    [TestMethod]
    public void TryForward_WithBias_Declines()
    {
        ConvGeometry g = CpuConvolutionTests.Geometry(2, 32, 32, 1, "48 3 1 1 1 1|48 3 1 1 1 1");
        float[] y = new float[2 * 32 * g.OutSpatialSize];
        Assert.IsFalse(OrtConvKernels.TryForward(g, new float[2 * 32 * g.InSpatialSize], new float[32 * 32 * 9], new float[32], y));
    }

    private static double MaxRelativeError(double[] expected, float[] actual)
    {
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]) / (1 + Math.Abs(expected[i])));
        }

        return worst;
    }
}
