using Microsoft.ML.Lrp.Backends;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>The sliding-window operations: convolution (1-3-D, groups, dilations, pads, strides) and pooling.</summary>
public abstract partial class BackendOperationTests
{
    /// <summary>Cases as in <see cref="CpuConvolutionTests.Cases"/>, kept small for ILGPU's CPU emulator.</summary>
    public static IEnumerable<object[]> ConvCases =>
    [
        ["1-D strided, padded", 2, 3, 4, 1, "11 3 2 1 2 1"],
        ["1-D depthwise multiplier 2", 2, 3, 6, 3, "9 3 1 2 0 2"],
        ["2-D grouped, dilated, asymmetric pads", 2, 4, 6, 2, "7 3 2 1 0 1|8 2 1 0 1 2"],
        ["2-D depthwise strided, dilated", 1, 4, 4, 4, "9 3 2 1 0 2|8 3 2 0 2 1"],
        ["2-D pointwise", 3, 8, 4, 1, "5 1 1 0 0 1|5 1 1 0 0 1"],
        ["2-D pointwise grouped", 2, 4, 6, 2, "3 1 1 0 0 1|4 1 1 0 0 1"],
        ["2-D 1x1 strided", 2, 4, 3, 1, "7 1 2 0 0 1|6 1 2 0 0 1"],
        ["3-D", 2, 2, 3, 1, "5 2 1 1 0 2|6 3 2 0 1 1|4 2 1 1 0 1"],
    ];

    /// <summary>Pooling cases: batch, channels, axes as for convolution, count_include_pad.</summary>
    public static IEnumerable<object[]> PoolCases =>
    [
        ["1-D strided, padded", 2, 3, "11 3 2 1 2 1", false],
        ["2-D 2x2 stride 2", 2, 2, "6 2 2 0 0 1|6 2 2 0 0 1", true],
        ["2-D padded, dilated, overlapping", 1, 3, "7 3 1 1 1 2|6 3 2 1 0 1", false],
        ["2-D padded, count include pad", 1, 2, "5 3 2 1 1 1|5 3 2 1 1 1", true],
        ["2-D all-padding windows", 1, 1, "2 2 3 2 3 1|3 2 1 0 0 1", false],
        ["3-D", 1, 2, "4 2 2 1 1 1|5 3 1 1 1 1|4 2 1 0 1 2", false],
    ];

    [TestMethod]
    [DynamicData(nameof(ConvCases))]
    public void ConvForward_Geometry_MatchesNaiveAndCpu(string name, int batch, int inChannels, int outChannels, int group, string axes)
    {
        ConvGeometry g = CpuConvolutionTests.Geometry(batch, inChannels, outChannels, group, axes);
        float[] x = NaiveKernels.RandomTensor(batch * inChannels * g.InSpatialSize, 1);
        float[] w = NaiveKernels.RandomTensor(outChannels * (inChannels / group) * g.KernelSize, 2);
        float[] bias = NaiveKernels.RandomTensor(outChannels, 3);
        float[] y = new float[batch * outChannels * g.OutSpatialSize], cpu = new float[y.Length];
        Backend.ConvForward(g, x, w, bias, y);
        Cpu.ConvForward(g, x, w, bias, cpu);
        double[] magnitude = NaiveKernels.ConvForward(g, Abs(x), Abs(w), Abs(bias));
        Assert.AreEqual(0.0, Worst(NaiveKernels.ConvForward(g, x, w, bias), y, magnitude), Tolerance, $"{name} versus naive");
        Assert.AreEqual(0.0, Worst(cpu, y, magnitude), Tolerance, $"{name} versus CPU backend");
    }

    [TestMethod]
    [DynamicData(nameof(ConvCases))]
    public void ConvBackwardData_Geometry_MatchesNaiveAndCpu(string name, int batch, int inChannels, int outChannels, int group, string axes)
    {
        ConvGeometry g = CpuConvolutionTests.Geometry(batch, inChannels, outChannels, group, axes);
        float[] dy = NaiveKernels.RandomTensor(batch * outChannels * g.OutSpatialSize, 4);
        float[] w = NaiveKernels.RandomTensor(outChannels * (inChannels / group) * g.KernelSize, 5);
        float[] dx = NaiveKernels.RandomTensor(batch * inChannels * g.InSpatialSize, 6), cpu = new float[dx.Length];
        Backend.ConvBackwardData(g, dy, w, dx);
        Cpu.ConvBackwardData(g, dy, w, cpu);
        double[] magnitude = NaiveKernels.ConvBackwardData(g, Abs(dy), Abs(w));
        Assert.AreEqual(0.0, Worst(NaiveKernels.ConvBackwardData(g, dy, w), dx, magnitude), Tolerance, $"{name} versus naive");
        Assert.AreEqual(0.0, Worst(cpu, dx, magnitude), Tolerance, $"{name} versus CPU backend");
    }

    [TestMethod]
    [DynamicData(nameof(PoolCases))]
    public void AveragePool_ForwardAndBackward_MatchNaiveAndCpu(string name, int batch, int channels, string axes, bool countIncludePad)
    {
        PoolGeometry g = PoolGeometryOf(batch, channels, axes, countIncludePad);
        int planes = batch * channels, inSize = g.InSpatialSize, outSize = g.OutSpatialSize;
        var windows = NaiveKernels.PoolWindows(g);
        int kernelSize = ConvGeometry.Product(g.KernelSpatial);
        float[] x = NaiveKernels.RandomTensor(planes * inSize, 7), dy = NaiveKernels.RandomTensor(planes * outSize, 8);
        double[] y = new double[planes * outSize], dx = new double[planes * inSize];
        double[] yMagnitude = new double[y.Length], dxMagnitude = new double[dx.Length];
        for (int p = 0; p < planes; p++)
        {
            for (int o = 0; o < outSize; o++)
            {
                int divisor = countIncludePad ? kernelSize : windows[o].Count;
                foreach (int i in windows[o])
                {
                    y[(p * outSize) + o] += (double)x[(p * inSize) + i] / divisor;
                    yMagnitude[(p * outSize) + o] += Math.Abs(x[(p * inSize) + i]) / divisor;
                    dx[(p * inSize) + i] += (double)dy[(p * outSize) + o] / divisor;
                    dxMagnitude[(p * inSize) + i] += Math.Abs(dy[(p * outSize) + o]) / divisor;
                }
            }
        }

        float[] yActual = new float[y.Length], yCpu = new float[y.Length], dxActual = new float[dx.Length], dxCpu = new float[dx.Length];
        Backend.AveragePoolForward(g, x, yActual);
        Cpu.AveragePoolForward(g, x, yCpu);
        Backend.AveragePoolBackward(g, dy, dxActual);
        Cpu.AveragePoolBackward(g, dy, dxCpu);
        Assert.AreEqual(0.0, Worst(y, yActual, yMagnitude), Tolerance, $"{name} forward versus naive");
        Assert.AreEqual(0.0, Worst(yCpu, yActual, yMagnitude), Tolerance, $"{name} forward versus CPU backend");
        Assert.AreEqual(0.0, Worst(dx, dxActual, dxMagnitude), Tolerance, $"{name} backward versus naive");
        Assert.AreEqual(0.0, Worst(dxCpu, dxActual, dxMagnitude), Tolerance, $"{name} backward versus CPU backend");
    }

    [TestMethod]
    [DynamicData(nameof(PoolCases))]
    public void MaxPoolArgmax_Geometry_MatchesNaiveAndCpu(string name, int batch, int channels, string axes, bool countIncludePad)
    {
        PoolGeometry g = PoolGeometryOf(batch, channels, axes, countIncludePad);
        int planes = batch * channels, inSize = g.InSpatialSize, outSize = g.OutSpatialSize;
        var windows = NaiveKernels.PoolWindows(g);
        float[] x = NaiveKernels.RandomTensor(planes * inSize, 9);
        x[0] = x[1] = 2f; // a tie: the first index wins
        int[] expected = new int[planes * outSize];
        for (int p = 0; p < planes; p++)
        {
            for (int o = 0; o < outSize; o++)
            {
                int best = -1;
                foreach (int i in windows[o])
                {
                    if (best < 0 || x[(p * inSize) + i] > x[best])
                    {
                        best = (p * inSize) + i;
                    }
                }

                expected[(p * outSize) + o] = best;
            }
        }

        int[] actual = new int[expected.Length], cpu = new int[expected.Length];
        Backend.MaxPoolArgmax(g, x, actual);
        Cpu.MaxPoolArgmax(g, x, cpu);
        CollectionAssert.AreEqual(expected, actual, $"{name} versus naive");
        CollectionAssert.AreEqual(cpu, actual, $"{name} versus CPU backend");
    }

    private static PoolGeometry PoolGeometryOf(int batch, int channels, string axes, bool countIncludePad)
    {
        var c = CpuConvolutionTests.Geometry(batch, channels, channels, channels, axes);
        return new PoolGeometry(batch, channels, c.InSpatial, c.KernelSpatial, c.OutSpatial, c.Strides, c.PadsBegin, c.Dilations, countIncludePad);
    }

    private static float[] Abs(float[] values) => values.Select(Math.Abs).ToArray();
}
