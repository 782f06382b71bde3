using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>The replay and routing operations of <see cref="IRelevanceBackend"/>, against naive double-precision loops and the CPU backend.</summary>
public abstract partial class BackendOperationTests
{
    [TestMethod]
    [DataRow(1)]
    [DataRow(4)]
    public void Softmax_AlongAxis_MatchesNaive(int inner)
    {
        int outer = 3, length = 7, size = outer * length * inner;
        float[] x = NaiveKernels.RandomTensor(size, 90).Select(v => v * 8f).ToArray();
        var y = new float[size];
        Backend.Softmax(x, y, outer, length, inner);
        var expected = new double[size];
        for (int o = 0; o < outer; o++)
        {
            for (int c = 0; c < inner; c++)
            {
                int[] idx = [.. Enumerable.Range(0, length).Select(j => (((o * length) + j) * inner) + c)];
                double total = idx.Sum(i => Math.Exp(x[i]));
                foreach (int i in idx)
                {
                    expected[i] = Math.Exp(x[i]) / total;
                }
            }
        }

        Assert.AreEqual(0.0, Worst(expected, y, null), Tolerance);
    }

    [TestMethod]
    public void Unary_EveryFunction_MatchesMath()
    {
        float[] x = NaiveKernels.RandomTensor(300, 91).Select(v => v * 3f).ToArray();
        float[] positive = x.Select(v => Math.Abs(v) + 0.1f).ToArray();
        (UnaryFunction F, float[] Input, Func<double, double> Formula)[] cases =
        [
            (UnaryFunction.Erf, x, Erf),
            (UnaryFunction.Sqrt, positive, Math.Sqrt),
            (UnaryFunction.Reciprocal, positive, v => 1 / v),
            (UnaryFunction.Exp, x, Math.Exp),
            (UnaryFunction.Abs, x, Math.Abs),
            (UnaryFunction.Sigmoid, x, v => 1 / (1 + Math.Exp(-v))),
            (UnaryFunction.Tanh, x, Math.Tanh),
            (UnaryFunction.Neg, x, v => -v),
            (UnaryFunction.Log, positive, Math.Log),
        ];
        foreach (var (f, input, formula) in cases)
        {
            var y = new float[input.Length];
            Backend.Unary(f, input, y);
            Assert.AreEqual(0.0, Worst(input.Select(v => formula(v)).ToArray(), y, null), Tolerance, f.ToString());
        }
    }

    [TestMethod]
    public void Extremum_ScalarAndFull_MatchNaive()
    {
        float[] a = NaiveKernels.RandomTensor(100, 92), b = NaiveKernels.RandomTensor(100, 93);
        foreach (bool max in new[] { true, false })
        {
            var y = new float[100];
            Backend.Extremum(max, a, b, y);
            CollectionAssert.AreEqual(a.Select((v, i) => max ? Math.Max(v, b[i]) : Math.Min(v, b[i])).ToArray(), y);
            Backend.Extremum(max, a, [0.1f], y);
            CollectionAssert.AreEqual(a.Select(v => max ? Math.Max(v, 0.1f) : Math.Min(v, 0.1f)).ToArray(), y);
        }
    }

    [TestMethod]
    public void BroadcastArithmetic_EveryPattern_MatchesNaive()
    {
        int[] outShape = [2, 3, 4, 5];
        int size = 120;
        float[] a = NaiveKernels.RandomTensor(size, 94);
        int[][] bShapes = [[2, 3, 4, 5], [1], [5], [2, 3, 4, 1], [2, 1, 1, 5], [3, 1, 5], [2, 3, 1, 5]];
        foreach (var bShape in bShapes)
        {
            int bSize = bShape.Aggregate(1, (p, d) => p * d);
            float[] b = NaiveKernels.RandomTensor(bSize, 95 + bSize).Select(v => v + 2f).ToArray();
            foreach (var op in Enum.GetValues<ArithmeticOp>())
            {
                var y = new float[size];
                Backend.BroadcastArithmetic(op, a, b, bShape, y, outShape);
                var expected = new double[size];
                for (int i = 0; i < size; i++)
                {
                    int[] index = [i / 60, i / 20 % 3, i / 5 % 4, i % 5];
                    int bi = 0;
                    for (int d = 0; d < bShape.Length; d++)
                    {
                        int axis = d + (4 - bShape.Length);
                        bi = (bi * bShape[d]) + (bShape[d] == 1 ? 0 : index[axis]);
                    }

                    double av = a[i], bv = b[bi];
                    expected[i] = op switch { ArithmeticOp.Sub => av - bv, ArithmeticOp.Mul => av * bv, ArithmeticOp.Div => av / bv, _ => av + bv };
                }

                Assert.AreEqual(0.0, Worst(expected, y, null), Tolerance, $"{op} with b [{string.Join(", ", bShape)}]");
            }
        }
    }

    [TestMethod]
    public void ChannelAffine_PerChannel_MatchesNaive()
    {
        int channels = 3, inner = 10, size = 2 * channels * inner;
        float[] x = NaiveKernels.RandomTensor(size, 96), scale = NaiveKernels.RandomTensor(channels, 97), shift = NaiveKernels.RandomTensor(channels, 98);
        var y = new float[size];
        Backend.ChannelAffine(x, scale, shift, inner, y);
        Assert.AreEqual(0.0, Worst(x.Select((v, i) => ((double)v * scale[i / inner % channels]) + shift[i / inner % channels]).ToArray(), y, null), Tolerance);
    }

    [TestMethod]
    public void RoutingByMap_PermuteAndScatterAdd_MatchNaive()
    {
        int size = 50;
        int[] permutation = [.. Enumerable.Range(0, size).Select(i => (i * 7) % size)];
        float[] r = NaiveKernels.RandomTensor(size, 99);
        var y = new float[size];
        Backend.Permute(permutation, r, y);
        for (int i = 0; i < size; i++)
        {
            Assert.AreEqual(r[i], y[permutation[i]]);
        }

        int[] map = [.. Enumerable.Range(0, size).Select(i => i % 5 == 0 ? -1 : i / 3)];
        var target = new float[size];
        var lost = Backend.ScatterAddByMap(map, r, target);
        var expected = new double[size];
        for (int i = 0; i < size; i++)
        {
            if (map[i] >= 0)
            {
                expected[map[i]] += r[i];
            }
        }

        Assert.AreEqual(0.0, Worst(expected, target, null), Tolerance);
        Assert.IsNotNull(lost);
        Assert.AreEqual(Enumerable.Range(0, size).Where(i => map[i] < 0).Sum(i => (double)r[i]), lost.Sum(v => (double)v), 1e-6);
        Assert.IsNull(Backend.ScatterAddByMap([0, 1], [1f, 2f], new float[2]), "nothing unmapped");
    }

    /// <summary>erf by its series (|x| ≤ 3) or continued fraction, in double.</summary>
    private static double Erf(double x)
    {
        double ax = Math.Abs(x), sum = 0, term = ax;
        for (int n = 0; n < 200; n++)
        {
            sum += term / ((2 * n) + 1);
            term *= -ax * ax / (n + 1);
        }

        return Math.Sign(x) * 2 / Math.Sqrt(Math.PI) * sum;
    }
}
