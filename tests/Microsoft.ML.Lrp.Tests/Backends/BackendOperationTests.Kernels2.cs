using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>Edge shapes for softmax (replay and relevance) and LayerNorm relevance, and the unary functions' ranges.</summary>
public abstract partial class BackendOperationTests
{
    [TestMethod]
    [DataRow(4, 1, 1)]
    [DataRow(3, 33, 1)]
    [DataRow(2, 5, 3)]
    public void Softmax_MaskedLargeAndUnitRows_MatchNaiveAndCpu(int outer, int length, int inner)
    {
        int size = outer * length * inner;
        float[] x = NaiveKernels.RandomTensor(size, 211).Select(v => v * 80f).ToArray();
        x[size - 1] = float.NegativeInfinity;
        if (length > 1)
        {
            x[0] = float.NegativeInfinity;
        }

        float[] y = new float[size], cpu = new float[size];
        Backend.Softmax(x, y, outer, length, inner);
        Cpu.Softmax(x, cpu, outer, length, inner);
        var expected = new double[size];
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < inner; c++)
            {
                int[] idx = [.. Enumerable.Range(0, length).Select(j => (((o * length) + j) * inner) + c)];
                double max = idx.Max(i => (double)x[i]);
                double total = idx.Sum(i => Math.Exp(x[i] - max));
                foreach (int i in idx)
                {
                    expected[i] = Math.Exp(x[i] - max) / total;
                }
            }
        }

        // A row of one −∞ is NaN (−∞ − −∞) on every backend, as in ONNX Runtime.
        var finite = Enumerable.Range(0, size).Where(i => !double.IsNaN(expected[i])).ToArray();
        Assert.AreEqual(0.0, Worst(finite.Select(i => expected[i]).ToArray(), finite.Select(i => y[i]).ToArray(), null), Tolerance);
        Assert.AreEqual(0.0, Worst(finite.Select(i => (double)cpu[i]).ToArray(), finite.Select(i => y[i]).ToArray(), null), Tolerance, "versus CPU");
        Assert.IsTrue(Enumerable.Range(0, size).All(i => double.IsNaN(expected[i]) == float.IsNaN(y[i])), "NaN where the row is all −∞");
    }

    [TestMethod]
    [DataRow(3, 1, 1)]
    [DataRow(2, 33, 1)]
    [DataRow(2, 1, 4)]
    [DataRow(1, 17, 3)]
    public void SoftmaxRelevance_UnitAndOddRows_MatchNaive(int outer, int length, int inner)
    {
        int size = outer * length * inner;
        float[] x = NaiveKernels.RandomTensor(size, 212).Select(v => v * 4f).ToArray(), r = NaiveKernels.RandomTensor(size, 213);
        var y = new float[size];
        Cpu.Softmax(x, y, outer, length, inner);
        y[size / 2] = 0f; // a weight that underflowed: not kept
        double[] erx = new double[size], eAbsorbed = new double[size];
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < inner; c++)
            {
                int[] idx = [.. Enumerable.Range(0, length).Select(j => (((o * length) + j) * inner) + c)];
                bool Kept(int i) => y[i] != 0f && float.IsFinite(x[i]);
                double sumR = idx.Sum(i => (double)r[i]), sx = idx.Where(Kept).Sum(i => (double)y[i] * x[i]);
                foreach (int i in idx)
                {
                    erx[i] = Kept(i) ? x[i] * (r[i] - (y[i] * sumR)) : 0;
                    eAbsorbed[i] = Kept(i) ? r[i] * (1 - x[i] + sx) : r[i] * (1 + sx);
                }
            }
        }

        var rx = new float[size];
        if (inner == 1)
        {
            var perRow = new double[outer];
            Backend.SoftmaxRelevanceLastAxis(x, y, r, rx, length, perRow);
            for (int o = 0; o < outer; o++)
            {
                Assert.AreEqual(eAbsorbed.Skip(o * length).Take(length).Sum(), perRow[o], 1e-5, $"absorbed of row {o}");
            }
        }
        else
        {
            var absorbed = new float[size];
            Backend.SoftmaxRelevance(x, y, r, outer, length, inner, rx, absorbed);
            Assert.AreEqual(0.0, Worst(eAbsorbed, absorbed, null), Tolerance, "absorbed");
        }

        Assert.AreEqual(0.0, Worst(erx, rx, null), Tolerance, "R_x");
    }

    [TestMethod]
    [DataRow(true, 1, false)]
    [DataRow(false, 1, true)]
    [DataRow(true, 33, true)]
    [DataRow(false, 33, false)]
    public void LayerNormRelevance_UnitAndOddGroups_MatchNaiveAndCpu(bool centered, int length, bool withBias)
    {
        int groups = 3, size = groups * length;
        float[] x = NaiveKernels.RandomTensor(size, 214).Select(v => v * 3f).ToArray(), r = NaiveKernels.RandomTensor(size, 215);
        float[] w = NaiveKernels.RandomTensor(length, 216).Select(v => v + 1f).ToArray();
        float[]? bias = withBias ? NaiveKernels.RandomTensor(length, 217) : null;
        float[] rx = new float[size], absorbed = new float[size], cpuRx = new float[size], cpuAbsorbed = new float[size];
        Backend.LayerNormRelevance(x, w, bias, r, length, 1e-5, Eps, centered, rx, absorbed);
        Cpu.LayerNormRelevance(x, w, bias, r, length, 1e-5, Eps, centered, cpuRx, cpuAbsorbed);
        double[] erx = new double[size], eAbsorbed = new double[size];
        for (int gi = 0; gi < groups; gi++)
        {
            var xs = Enumerable.Range(gi * length, length).Select(i => (double)x[i]).ToArray();
            double mean = centered ? xs.Average() : 0;
            double sigma = Math.Sqrt((xs.Sum(v => (v - mean) * (v - mean)) / length) + 1e-5);
            var ws = new double[length];
            for (int k = 0; k < length; k++)
            {
                double b = bias?[k] ?? 0;
                double yk = (w[k] * (xs[k] - mean) / sigma) + b;
                double s = r[(gi * length) + k] / (yk + (yk >= 0 ? Eps : -Eps));
                ws[k] = w[k] * s;
                eAbsorbed[(gi * length) + k] = r[(gi * length) + k] - (s * yk) + (s * b);
            }

            double meanWs = centered ? ws.Average() : 0;
            for (int k = 0; k < length; k++)
            {
                erx[(gi * length) + k] = xs[k] / sigma * (ws[k] - meanWs);
            }
        }

        // Relative to each group's largest term: with length 1 and centering, y = b exactly and s is R/stab(b).
        double[] scale = [.. Enumerable.Range(0, size).Select(i => Math.Max(1, Enumerable.Range(i / length * length, length).Max(j => Math.Abs(erx[j]))))];
        Assert.AreEqual(0.0, Worst(erx, rx, scale), Tolerance, "R_x");
        Assert.AreEqual(0.0, Worst(eAbsorbed, absorbed, null), Tolerance, "absorbed");
        Assert.AreEqual(0.0, Worst(cpuRx, rx, scale), Tolerance, "R_x versus CPU");
    }

    [TestMethod]
    public void Unary_RangeEnds_WithinStatedBounds()
    {
        float[] wide = [0f, -0f, 1e-30f, -1e-6f, 3e-4f, 0.49f, -0.51f, 0.9999f, 1f, -1.0001f, 2.5f, -3.99f, 4.01f, 9f, -9.2f, 20f, -40f, 87f, -87f, -100f, 100f];
        float[] positive = [1e-40f, 1e-38f, 1e-10f, 0.7071f, 0.7072f, 1f, 1.0000001f, 1.4142f, 1.4143f, 2f, 3e10f, 3e38f];
        (UnaryFunction F, float[] Input, Func<double, double> Formula, bool Relative)[] cases =
        [
            (UnaryFunction.Exp, wide.Where(v => v < 88f).ToArray(), Math.Exp, true),
            (UnaryFunction.Log, positive, Math.Log, true),
            (UnaryFunction.Tanh, wide, Math.Tanh, true),
            (UnaryFunction.Sigmoid, wide, v => 1 / (1 + Math.Exp(-v)), true),
            (UnaryFunction.Erf, wide, WideErf, false),
            (UnaryFunction.Sqrt, positive, Math.Sqrt, true),
        ];
        foreach (var (f, input, formula, relative) in cases)
        {
            var y = new float[input.Length];
            Backend.Unary(f, input, y);
            for (int i = 0; i < input.Length; i++)
            {
                double expected = formula(input[i]);
                double error = Math.Abs(y[i] - expected) / (relative ? Math.Max(Math.Abs(expected), 1e-300) : 1);
                // Relative 1e-6 (the bounds in the ILGPU backend's DeviceMath, rounded up), or 1e-7 absolute: the CPU
                // backend's TensorPrimitives.Tanh is off by 6e-8 near 0 (tanh(1e-30) = −5.96e-8). Results below float's
                // normal range are not compared (flushed or rounded subnormals).
                bool close = error <= 1e-6 || Math.Abs(y[i] - expected) <= 1e-7 || Math.Abs(expected) < 1e-37;
                Assert.IsTrue(close, $"{f}({input[i]:R}) = {y[i]:R}, expected {expected:R}");
            }
        }

        var special = new float[3];
        Backend.Unary(UnaryFunction.Log, [0f, -1f, float.PositiveInfinity], special);
        Assert.AreEqual(float.NegativeInfinity, special[0], "log 0");
        Assert.IsTrue(float.IsNaN(special[1]), "log −1");
        Assert.AreEqual(float.PositiveInfinity, special[2], "log ∞");
        Backend.Unary(UnaryFunction.Exp, [89f, float.NegativeInfinity, float.NaN], special);
        Assert.AreEqual(float.PositiveInfinity, special[0], "exp 89");
        Assert.AreEqual(0f, special[1], "exp −∞");
        Assert.IsTrue(float.IsNaN(special[2]), "exp NaN");
    }

    /// <summary>erf for any x: its series up to |x| = 3, beyond 1 − erfc by erfc's asymptotic expansion (4 terms: error below 1e-8).</summary>
    private static double WideErf(double x)
    {
        double a = Math.Abs(x);
        if (a <= 3)
        {
            return Erf(x);
        }

        double inv = 1 / (2 * a * a);
        double erfc = Math.Exp(-a * a) / (a * Math.Sqrt(Math.PI)) * (1 - inv + (3 * inv * inv) - (15 * inv * inv * inv));
        return Math.Sign(x) * (1 - erfc);
    }
}
