using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

[TestClass]
public sealed class CpuConvolutionTests
{
    /// <summary>
    /// Cases: batch, in channels, out channels, group, then per spatial axis "in kernel stride padBegin padEnd dilation"
    /// separated by '|'.
    /// </summary>
    public static IEnumerable<object[]> Cases =>
    [
        ["1-D strided, padded", 2, 3, 4, 1, "11 3 2 1 2 1"],
        ["1-D depthwise multiplier 2", 2, 3, 6, 3, "9 3 1 2 0 2"],
        ["2-D grouped, dilated, asymmetric pads", 2, 4, 6, 2, "7 3 2 1 0 1|8 2 1 0 1 2"],
        ["2-D depthwise", 2, 5, 5, 5, "6 3 1 1 1 1|6 3 1 1 1 1"],
        ["2-D depthwise strided, dilated", 1, 4, 4, 4, "9 3 2 1 0 2|8 3 2 0 2 1"],
        ["2-D one input channel, eight outputs", 2, 1, 8, 1, "8 3 1 1 1 1|7 3 2 1 1 1"],
        ["2-D pointwise", 3, 8, 4, 1, "5 1 1 0 0 1|5 1 1 0 0 1"],
        ["2-D 1x1 strided", 2, 4, 3, 1, "7 1 2 0 0 1|6 1 2 0 0 1"],
        ["2-D large", 2, 64, 64, 1, "24 3 1 1 1 1|24 3 1 1 1 1"],
        ["3-D", 2, 2, 3, 1, "5 2 1 1 0 2|6 3 2 0 1 1|4 2 1 1 0 1"],
        ["2-D batched strided, padded", 3, 8, 16, 1, "7 3 2 1 1 1|7 3 2 1 1 1"],
        ["2-D batched stride 1", 4, 8, 16, 1, "7 3 1 1 1 1|6 3 1 1 1 1"],
    ];

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void ConvForward_Geometry_MatchesNaiveLoops(string name, int batch, int inChannels, int outChannels, int group, string axes)
    {
        ConvGeometry g = Geometry(batch, inChannels, outChannels, group, axes);
        float[] x = NaiveKernels.RandomTensor(batch * inChannels * g.InSpatialSize, 1);
        float[] w = NaiveKernels.RandomTensor(outChannels * (inChannels / group) * g.KernelSize, 2);
        float[] bias = NaiveKernels.RandomTensor(outChannels, 3);
        float[] y = new float[batch * outChannels * g.OutSpatialSize];
        new CpuBackend().ConvForward(g, x, w, bias, y);
        double[] expected = NaiveKernels.ConvForward(g, x, w, bias);
        Assert.AreEqual(0.0, MaxError(expected, y), 1e-4, name);
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void ConvBackwardData_Geometry_MatchesNaiveLoops(string name, int batch, int inChannels, int outChannels, int group, string axes)
    {
        ConvGeometry g = Geometry(batch, inChannels, outChannels, group, axes);
        float[] dy = NaiveKernels.RandomTensor(batch * outChannels * g.OutSpatialSize, 4);
        float[] w = NaiveKernels.RandomTensor(outChannels * (inChannels / group) * g.KernelSize, 5);
        float[] dx = NaiveKernels.RandomTensor(batch * inChannels * g.InSpatialSize, 6);
        new CpuBackend().ConvBackwardData(g, dy, w, dx);
        double[] expected = NaiveKernels.ConvBackwardData(g, dy, w);
        Assert.AreEqual(0.0, MaxError(expected, dx), 1e-4, name);
    }

    [TestMethod]
    [DynamicData(nameof(Cases))]
    public void ConvBackwardData_Geometry_IsAdjointOfForward(string name, int batch, int inChannels, int outChannels, int group, string axes)
    {
        ConvGeometry g = Geometry(batch, inChannels, outChannels, group, axes);
        float[] x = NaiveKernels.RandomTensor(batch * inChannels * g.InSpatialSize, 7);
        float[] w = NaiveKernels.RandomTensor(outChannels * (inChannels / group) * g.KernelSize, 8);
        float[] dy = NaiveKernels.RandomTensor(batch * outChannels * g.OutSpatialSize, 9);
        float[] y = new float[dy.Length], dx = new float[x.Length];
        var backend = new CpuBackend();
        backend.ConvForward(g, x, w, [], y);
        backend.ConvBackwardData(g, dy, w, dx);
        double left = Dot(y, dy), right = Dot(x, dx);
        Assert.AreEqual(left, right, 1e-4 * Math.Max(1.0, Math.Abs(left)), name);
    }

    [TestMethod]
    public void ConvForward_BatchedWithoutBias_MatchesNaiveLoops()
    {
        ConvGeometry g = Geometry(3, 8, 16, 1, "7 3 2 1 1 1|7 3 2 1 1 1");
        float[] x = NaiveKernels.RandomTensor(3 * 8 * g.InSpatialSize, 11);
        float[] w = NaiveKernels.RandomTensor(16 * 8 * g.KernelSize, 12);
        float[] y = NaiveKernels.RandomTensor(3 * 16 * g.OutSpatialSize, 13);
        new CpuBackend().ConvForward(g, x, w, [], y);
        double[] expected = NaiveKernels.ConvForward(g, x, w, new float[16]);
        Assert.AreEqual(0.0, MaxError(expected, y), 1e-4);
    }

    [TestMethod]
    public unsafe void BatchedConvForward_SmallScratchBudget_MatchesNaiveLoopsInChunks()
    {
        ConvGeometry g = Geometry(5, 8, 16, 1, "7 3 2 1 1 1|7 3 2 1 1 1");
        var shape = new SpatialShape3(g.InSpatial, g.KernelSpatial, g.OutSpatial, g.Strides, g.PadsBegin, g.Dilations);
        long budget = 2L * (8 * 9 + 16) * g.OutSpatialSize;
        float[] x = NaiveKernels.RandomTensor(5 * 8 * g.InSpatialSize, 14);
        float[] w = NaiveKernels.RandomTensor(16 * 8 * g.KernelSize, 15);
        float[] bias = NaiveKernels.RandomTensor(16, 16);
        float[] y = new float[5 * 16 * g.OutSpatialSize];
        fixed (float* px = x, pw = w, pb = bias, py = y)
        {
            BatchedConvKernels.Forward(g, shape, px, pw, pb, py, budget);
        }

        Assert.AreEqual(2, BatchedConvKernels.ChunkSamples(5, 8 * 9, 16, g.OutSpatialSize, budget));
        Assert.AreEqual(0.0, MaxError(NaiveKernels.ConvForward(g, x, w, bias), y), 1e-4);
    }

    [TestMethod]
    public unsafe void BatchedConvBackwardData_SmallScratchBudget_MatchesNaiveLoopsInChunks()
    {
        ConvGeometry g = Geometry(5, 8, 16, 1, "7 3 2 1 1 1|7 3 2 1 1 1");
        var shape = new SpatialShape3(g.InSpatial, g.KernelSpatial, g.OutSpatial, g.Strides, g.PadsBegin, g.Dilations);
        long budget = 2L * (8 * 9 + 16) * g.OutSpatialSize;
        float[] dy = NaiveKernels.RandomTensor(5 * 16 * g.OutSpatialSize, 17);
        float[] w = NaiveKernels.RandomTensor(16 * 8 * g.KernelSize, 18);
        float[] dx = NaiveKernels.RandomTensor(5 * 8 * g.InSpatialSize, 19);
        fixed (float* pdy = dy, pw = w, pdx = dx)
        {
            BatchedConvKernels.BackwardData(g, shape, pdy, pw, pdx, budget);
        }

        Assert.AreEqual(0.0, MaxError(NaiveKernels.ConvBackwardData(g, dy, w), dx), 1e-4);
    }

    [TestMethod]
    public void ConvForward_ChannelsNotDivisibleByGroup_Throws()
    {
        ConvGeometry g = Geometry(1, 3, 4, 2, "5 3 1 0 0 1");
        Assert.ThrowsExactly<ArgumentException>(() => new CpuBackend().ConvForward(g, new float[15], new float[12], [], new float[12]));
    }

    internal static ConvGeometry Geometry(int batch, int inChannels, int outChannels, int group, string axes)
    {
        int[][] parsed = axes.Split('|').Select(axis => axis.Split(' ').Select(int.Parse).ToArray()).ToArray();
        int[] inShape = parsed.Select(a => a[0]).ToArray(), kernel = parsed.Select(a => a[1]).ToArray();
        int[] strides = parsed.Select(a => a[2]).ToArray(), pads = parsed.Select(a => a[3]).ToArray();
        int[] dilations = parsed.Select(a => a[5]).ToArray();
        int[] outShape = parsed.Select(a => NaiveKernels.OutSize(a[0], a[1], a[2], a[3], a[4], a[5])).ToArray();
        return new ConvGeometry(batch, inChannels, outChannels, group, inShape, kernel, outShape, strides, pads, dilations);
    }

    private static double MaxError(double[] expected, float[] actual)
    {
        Assert.HasCount(expected.Length, actual);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]) / Math.Max(1.0, Math.Abs(expected[i])));
        }

        return worst;
    }

    private static double Dot(float[] a, float[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += (double)a[i] * b[i];
        }

        return sum;
    }
}
