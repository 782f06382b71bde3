using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Cpu;
using Microsoft.ML.Lrp.Rules.Bodies;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// Every <see cref="IRelevanceBackend"/> operation on small shapes, run against one backend (chosen by the subclass)
/// and compared with the naive double-precision loops and with the CPU backend: errors are relative to the sum of
/// the absolute terms of each result element and must stay within 1e-5.
/// </summary>
public abstract partial class BackendOperationTests
{
    private const double Tolerance = 1e-5;

    private IRelevanceBackend? _backend;

    /// <summary>The backend under test; a subclass may end the test as inconclusive when its device is absent.</summary>
    private protected abstract IRelevanceBackend CreateBackend();

    private IRelevanceBackend Backend => _backend ??= CreateBackend();

    private static readonly CpuBackend Cpu = new();

    [TestCleanup]
    public void ReleaseBackend()
    {
        (_backend as IDisposable)?.Dispose();
        _backend = null;
    }

    [TestMethod]
    [DataRow(false, false)]
    [DataRow(true, false)]
    [DataRow(false, true)]
    [DataRow(true, true)]
    public void Gemm_AnyShapeAndBeta_MatchesNaiveAndCpu(bool transA, bool transB)
    {
        (int M, int N, int K)[] shapes = [(1, 1, 1), (7, 13, 5), (65, 70, 33), (3, 5, 40), (2, 129, 17), (64, 64, 16), (5, 3, 0)];
        double worstNaive = 0, worstCpu = 0;
        int seed = 1;
        foreach ((int m, int n, int k) in shapes)
        {
            foreach (float beta in new[] { 0f, 1f, 0.5f })
            {
                float[] a = NaiveKernels.RandomTensor(m * k, seed++);
                float[] b = NaiveKernels.RandomTensor(k * n, seed++);
                float[] c = NaiveKernels.RandomTensor(m * n, seed++);
                float[] cpu = (float[])c.Clone();
                (double[] expected, double[] magnitude) = NaiveKernels.Gemm(transA, transB, m, n, k, a, b, c, beta);
                Backend.Gemm(transA, transB, m, n, k, a, b, c, beta);
                Cpu.Gemm(transA, transB, m, n, k, a, b, cpu, beta);
                worstNaive = Math.Max(worstNaive, Worst(expected, c, magnitude));
                worstCpu = Math.Max(worstCpu, Worst(cpu, c, magnitude));
            }
        }

        Assert.AreEqual(0.0, worstNaive, Tolerance, "versus naive");
        Assert.AreEqual(0.0, worstCpu, Tolerance, "versus CPU backend");
    }

    [TestMethod]
    public void Gemm_BetaZero_IgnoresNaNInOutput()
    {
        float[] c = [float.NaN, float.NaN];
        Backend.Gemm(false, false, 1, 2, 1, [2f], [3f, 4f], c);
        Assert.AreEqual(22.0, c[0] + (2 * c[1]), 1e-6);
    }

    [TestMethod]
    public void Gemm_OperandTooShort_Throws()
    {
        var backend = Backend;
        Assert.ThrowsExactly<ArgumentException>(() => backend.Gemm(false, false, 2, 2, 2, new float[3], new float[4], new float[4]));
    }

    [TestMethod]
    public void Map_RuleBodies_MatchScalarFormulasAndCpu()
    {
        const int Length = 1000;
        float[] a = NaiveKernels.RandomTensor(Length, 41), b = NaiveKernels.RandomTensor(Length, 42), c = NaiveKernels.RandomTensor(Length, 43);
        b[0] = 0f;
        b[1] = -0f;
        float eps = 0.01f;
        double worst = 0;
        worst = Math.Max(worst, CheckUnary(new PositivePart(), a, x => Math.Max(x, 0.0)));
        worst = Math.Max(worst, CheckUnary(new NegativePart(), a, x => Math.Min(x, 0.0)));
        worst = Math.Max(worst, CheckBinary(new StabilizedDivide(eps), a, b, (r, z) => r / (z + (z >= 0 ? eps : -eps))));
        foreach (bool positive in new[] { true, false })
        {
            worst = Math.Max(worst, CheckTernary(new MaskedStabilizedDivide(eps, positive), a, b, c, (r, z, zr) => (positive ? zr > 0 : zr < 0) ? r / (z + (z >= 0 ? eps : -eps)) : 0.0));
        }

        worst = Math.Max(worst, CheckTernary(new ScaledProductAdd(-0.75f), a, b, c, (acc, x, y) => acc + (-0.75 * x * y)));
        Assert.AreEqual(0.0, worst, Tolerance);
    }

    [TestMethod]
    public void Map_ResultAliasesInput_UpdatesInPlace()
    {
        float[] acc = [1f, 2f, 3f];
        Backend.Map(new ScaledProductAdd(2f), acc, [1f, 1f, 1f], [0.5f, 1f, 1.5f], acc);
        Assert.AreEqual(1f + 1f + 2f + 2f + 3f + 3f, acc.Sum(), 1e-6);
    }

    [TestMethod]
    public void Map_UnequalLengths_Throws()
    {
        var backend = Backend;
        Assert.ThrowsExactly<ArgumentException>(() => backend.Map(new StabilizedDivide(0.1f), new float[3], new float[2], new float[3]));
    }

    private double CheckUnary<TOp>(TOp op, float[] a, Func<double, double> formula)
        where TOp : struct, IUnaryElementwiseOp
    {
        float[] result = new float[a.Length], cpu = new float[a.Length];
        Backend.Map(op, a, result);
        Cpu.Map(op, a, cpu);
        return Math.Max(Worst(a.Select(x => formula(x)).ToArray(), result, null), Worst(cpu, result, null));
    }

    private double CheckBinary<TOp>(TOp op, float[] a, float[] b, Func<double, double, double> formula)
        where TOp : struct, IBinaryElementwiseOp
    {
        float[] result = new float[a.Length], cpu = new float[a.Length];
        Backend.Map(op, a, b, result);
        Cpu.Map(op, a, b, cpu);
        return Math.Max(Worst(a.Select((x, i) => formula(x, b[i])).ToArray(), result, null), Worst(cpu, result, null));
    }

    private double CheckTernary<TOp>(TOp op, float[] a, float[] b, float[] c, Func<double, double, double, double> formula)
        where TOp : struct, ITernaryElementwiseOp
    {
        float[] result = new float[a.Length], cpu = new float[a.Length];
        Backend.Map(op, a, b, c, result);
        Cpu.Map(op, a, b, c, cpu);
        return Math.Max(Worst(a.Select((x, i) => formula(x, b[i], c[i])).ToArray(), result, null), Worst(cpu, result, null));
    }

    /// <summary>Largest |expected − actual| relative to the element's magnitude (when none is given: |expected|, at least 1).</summary>
    private static double Worst(double[] expected, float[] actual, double[]? magnitude)
    {
        Assert.HasCount(expected.Length, actual);
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double scale = magnitude is null ? Math.Max(Math.Abs(expected[i]), 1.0) : Math.Max(magnitude[i], 1e-30);
            double error = Math.Abs(expected[i] - actual[i]) / scale;
            worst = Math.Max(worst, double.IsNaN(error) ? double.PositiveInfinity : error);
        }

        return worst;
    }

    private static double Worst(float[] expected, float[] actual, double[]? magnitude)
        => Worst(expected.Select(v => (double)v).ToArray(), actual, magnitude);
}
