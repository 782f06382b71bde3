using System.Numerics;
using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Tests.Backends;

[TestClass]
public sealed class CpuElementwiseTests
{
    [TestMethod]
    [DataRow(13)]
    [DataRow(200_003)]
    public void MapUnary_LengthNotMultipleOfVector_AppliesOpEverywhere(int length)
    {
        float[] a = NaiveKernels.RandomTensor(length, 1), result = new float[length];
        new CpuBackend().Map(new ScaleShift(), a, result);
        double worst = result.Select((r, i) => Math.Abs(r - ((2.0 * a[i]) + 1.0))).Max();
        Assert.AreEqual(0.0, worst, 1e-6);
    }

    [TestMethod]
    [DataRow(13)]
    [DataRow(200_003)]
    public void MapBinary_LengthNotMultipleOfVector_AppliesOpEverywhere(int length)
    {
        float[] a = NaiveKernels.RandomTensor(length, 2), b = NaiveKernels.RandomTensor(length, 3), result = new float[length];
        new CpuBackend().Map(new PositivePart(), a, b, result);
        double worst = result.Select((r, i) => Math.Abs(r - (Math.Max(a[i], 0.0) * b[i]))).Max();
        Assert.AreEqual(0.0, worst, 1e-6);
    }

    [TestMethod]
    [DataRow(13)]
    [DataRow(200_003)]
    public void MapTernary_LengthNotMultipleOfVector_AppliesOpEverywhere(int length)
    {
        float[] a = NaiveKernels.RandomTensor(length, 4), b = NaiveKernels.RandomTensor(length, 5);
        float[] c = NaiveKernels.RandomTensor(length, 6), result = new float[length];
        new CpuBackend().Map(new ProductMinus(), a, b, c, result);
        double worst = result.Select((r, i) => Math.Abs(r - (((double)a[i] * b[i]) - c[i]))).Max();
        Assert.AreEqual(0.0, worst, 1e-6);
    }

    [TestMethod]
    public void MapBinary_LengthMismatch_Throws()
        => Assert.ThrowsExactly<ArgumentException>(() => new CpuBackend().Map(new PositivePart(), new float[3], new float[4], new float[3]));

    private readonly struct ScaleShift : IUnaryElementwiseOp
    {
        public float Apply(float a) => (2f * a) + 1f;

        public Vector<float> Apply(Vector<float> a) => (a * 2f) + Vector<float>.One;
    }

    private readonly struct PositivePart : IBinaryElementwiseOp
    {
        public float Apply(float a, float b) => MathF.Max(a, 0f) * b;

        public Vector<float> Apply(Vector<float> a, Vector<float> b) => Vector.Max(a, Vector<float>.Zero) * b;
    }

    private readonly struct ProductMinus : ITernaryElementwiseOp
    {
        public float Apply(float a, float b, float c) => (a * b) - c;

        public Vector<float> Apply(Vector<float> a, Vector<float> b, Vector<float> c) => (a * b) - c;
    }
}
