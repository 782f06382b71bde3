using Microsoft.ML.Lrp.Backends;
using Microsoft.ML.Lrp.Backends.Bodies;
using Microsoft.ML.Lrp.Rules.Bodies;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// The rule-body operations of <see cref="IRelevanceBackend"/> (linear and Norm rules) on the backend under test,
/// against naive double-precision loops written from the formulas and against the CPU backend.
/// </summary>
public abstract partial class BackendOperationTests
{
    private const float Eps = 0.01f;

    [TestMethod]
    public void Map_ArithmeticBodies_MatchScalarFormulasAndCpu()
    {
        const int Length = 1000;
        float[] a = NaiveKernels.RandomTensor(Length, 51), b = NaiveKernels.RandomTensor(Length, 52);
        a[3] = float.PositiveInfinity;
        a[7] = float.NaN;
        double worst = 0;
        worst = Math.Max(worst, CheckUnary(new Scale(-1.5f), b, x => -1.5 * x));
        worst = Math.Max(worst, CheckUnary(new Shift(0.25f), b, x => x + 0.25));
        worst = Math.Max(worst, CheckBinary(new Product(), b, a.Select(Finite).ToArray(), (x, y) => x * y));
        worst = Math.Max(worst, CheckBinary(new Sum(), b, a.Select(Finite).ToArray(), (x, y) => x + y));
        worst = Math.Max(worst, CheckBinary(new Difference(), b, a.Select(Finite).ToArray(), (x, y) => x - y));
        worst = Math.Max(worst, CheckBinary(new ScaledAdd(0.75f), b, a.Select(Finite).ToArray(), (acc, x) => acc + (0.75 * x)));
        worst = Math.Max(worst, CheckBinary(new FiniteOr(), a, b, (x, y) => double.IsFinite(x) ? x : y));
        Assert.AreEqual(0.0, worst, Tolerance);
    }

    [TestMethod]
    public void Reductions_MinMaxRowSumsRowDots_MatchNaive()
    {
        float[] a = NaiveKernels.RandomTensor(3 * 37, 53), b = NaiveKernels.RandomTensor(3 * 37, 54);
        Assert.AreEqual(a.Min(), Backend.Min(a));
        Assert.AreEqual(a.Max(), Backend.Max(a));
        Assert.AreEqual(float.PositiveInfinity, Backend.Min([]));
        var sums = new double[3];
        var dots = new double[3];
        Backend.RowSums(a, 3, sums);
        Backend.RowDots(a, b, 3, dots);
        for (int r = 0; r < 3; r++)
        {
            Assert.AreEqual(Enumerable.Range(r * 37, 37).Sum(i => (double)a[i]), sums[r], 1e-9);
            Assert.AreEqual(Enumerable.Range(r * 37, 37).Sum(i => (double)a[i] * b[i]), dots[r], 1e-5);
        }
    }

    [TestMethod]
    [DataRow(false)]
    [DataRow(true)]
    public void Quotient_ChannelAndDense_MatchNaive(bool dense)
    {
        // Channel planes [2, 3, 19] (bias per channel) or dense rows [2, 4, 3] (bias on the last axis).
        int batch = 2, channels = 3, inner = dense ? 4 : 19, length = batch * channels * inner;
        float[] r = NaiveKernels.RandomTensor(length, 55), z = NaiveKernels.RandomTensor(length, 56), bias = NaiveKernels.RandomTensor(channels, 57);
        z[0] = -bias[0]; // z + b = 0: the stabiliser's sign(0) = +1
        var s = new float[length];
        var (sums, dots) = dense
            ? Backend.DenseQuotient(r, z, bias, batch, Eps, s)
            : Backend.ChannelQuotient(r, z, bias, batch, Eps, s);
        var expected = new double[length];
        var expectedSums = new double[batch];
        var expectedDots = new double[batch];
        for (int i = 0; i < length; i++)
        {
            int c = dense ? i % channels : i / inner % channels;
            double zz = (double)z[i] + bias[c];
            expected[i] = r[i] / (zz + (zz >= 0 ? Eps : -Eps));
            expectedSums[i / (length / batch)] += r[i];
            expectedDots[i / (length / batch)] += expected[i] * z[i];
        }

        Assert.AreEqual(0.0, Worst(expected, s, null), Tolerance);
        for (int n = 0; n < batch; n++)
        {
            Assert.AreEqual(expectedSums[n], sums[n], 1e-5);
            Assert.AreEqual(expectedDots[n], dots[n], 1e-5 * Math.Max(1, Math.Abs(expectedDots[n])));
        }
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(6)]
    public void AddChannelBias_AnyInner_MatchesNaive(int inner)
    {
        int channels = 5, outer = 3, length = outer * channels * inner;
        float[] z = NaiveKernels.RandomTensor(length, 58), bias = NaiveKernels.RandomTensor(channels, 59);
        var result = new float[length];
        Backend.AddChannelBias(z, bias, inner, result);
        Assert.AreEqual(0.0, Worst(z.Select((v, i) => (double)v + bias[i / inner % channels]).ToArray(), result, null), Tolerance);
        Backend.AddChannelBias(z, bias, inner, z);
        CollectionAssert.AreEqual(result, z, "in place");
    }

    [TestMethod]
    public void Flat_QuotientOnesTransposeRepeat_MatchNaive()
    {
        int batch = 2, outChannels = 3, inChannels = 2;
        var g = CpuConvolutionTests.Geometry(batch, 1, 1, 1, "6 3 1 1 1 1|5 2 2 0 1 1");
        int outSize = g.OutSpatialSize, inSize = g.InSpatialSize;
        float[] r = NaiveKernels.RandomTensor(batch * outChannels * outSize, 60);
        float[] z = NaiveKernels.RandomTensor(outSize, 61).Select(v => v + 2f).ToArray();
        var q = new float[batch * outSize];
        var absorbed = new double[batch];
        Backend.FlatQuotient(r, batch, outChannels, z, Eps, q, absorbed);
        var expected = new double[q.Length];
        for (int n = 0; n < batch; n++)
        {
            double total = 0, kept = 0;
            for (int o = 0; o < outSize; o++)
            {
                double sum = Enumerable.Range(0, outChannels).Sum(m => (double)r[(((n * outChannels) + m) * outSize) + o]);
                expected[(n * outSize) + o] = sum / (z[o] + Eps);
                total += sum;
                kept += expected[(n * outSize) + o] * z[o];
            }

            Assert.AreEqual(total - kept, absorbed[n], 1e-5);
        }

        Assert.AreEqual(0.0, Worst(expected, q, null), Tolerance, "quotient");
        var plane = new float[batch * inSize];
        Backend.ConvBackwardDataOnes(g, q, plane);
        var ones = Enumerable.Repeat(1f, g.KernelSize).ToArray();
        Assert.AreEqual(0.0, Worst(NaiveKernels.ConvBackwardData(g, q, ones), plane, null), Tolerance, "ones transpose");
        var repeated = new float[batch * inChannels * inSize];
        Backend.RepeatPlanes(plane, batch, inChannels, inSize, repeated);
        Assert.AreEqual(0.0, Worst(repeated.Select((_, i) => (double)plane[((i / (inChannels * inSize)) * inSize) + (i % inSize)]).ToArray(), repeated, null), Tolerance, "repeat");
    }

    [TestMethod]
    public void NormSum_WholeConstantAndBroadcastOperands_MatchNaive()
    {
        // z[n, c, k] = A[n, c, k] − B[n, c] + C[k] on blocks [N·2, 8]; every operand receives relevance but C is
        // broadcast over the blocks (its share is summed), and D (a constant per block, +D) receives none.
        int batch = 2, blocks = batch * 2, inner = 8, length = blocks * inner;
        float[] a = NaiveKernels.RandomTensor(length, 62), b = NaiveKernels.RandomTensor(blocks, 63), c = NaiveKernels.RandomTensor(inner, 64), d = NaiveKernels.RandomTensor(blocks, 65);
        float[] r = NaiveKernels.RandomTensor(length, 66);
        var plan = new NormSumPlan(blocks, inner, batch,
        [
            new NormSumOperand(a, 1f, true, [.. Enumerable.Range(0, blocks).Select(o => o * inner)], true, true, length),
            new NormSumOperand(b, -1f, false, [.. Enumerable.Range(0, blocks)], true, true, blocks),
            new NormSumOperand(c, 1f, true, new int[blocks], true, false, inner),
            new NormSumOperand(d, 1f, false, [.. Enumerable.Range(0, blocks)], false, true, blocks),
        ]);
        var absorbed = new double[batch];
        var shares = Backend.NormSum(plan, (float[])r.Clone(), Eps, absorbed, reuseRelevance: false);
        double[] ea = new double[length], eb = new double[blocks], ec = new double[inner], eAbsorbed = new double[batch];
        for (int i = 0; i < length; i++)
        {
            int o = i / inner, k = i % inner;
            double z = (double)a[i] - b[o] + c[k] + d[o];
            double s = r[i] / (z + (z >= 0 ? Eps : -Eps));
            ea[i] = a[i] * s;
            eb[o] -= b[o] * s;
            ec[k] += c[k] * s;
            eAbsorbed[o / 2] += r[i] - (s * z) + (d[o] * s);
        }

        Assert.IsNull(shares[3]);
        Assert.AreEqual(0.0, Worst(ea, shares[0]!, null), Tolerance, "whole");
        Assert.AreEqual(0.0, Worst(eb, shares[1]!, null), Tolerance, "constant per block");
        Assert.AreEqual(0.0, Worst(ec, shares[2]!, null), Tolerance, "broadcast");
        Assert.AreEqual(eAbsorbed[0], absorbed[0], 1e-4);
        Assert.AreEqual(eAbsorbed[1], absorbed[1], 1e-4);
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(5)]
    public void ReductionNorm_MidAxes_MatchesNaive(int inner)
    {
        int outer = 3, mid = 4, length = outer * mid * inner;
        float scale = 0.25f;
        float[] x = NaiveKernels.RandomTensor(length, 67).Select(v => v + 1.5f).ToArray(), r = NaiveKernels.RandomTensor(outer * inner, 68);
        float[] rx = new float[length], absorbed = new float[outer * inner];
        Backend.ReductionNorm(x, r, outer, mid, inner, scale, Eps, rx, absorbed);
        double[] erx = new double[length], eAbsorbed = new double[outer * inner];
        for (int o = 0; o < outer; o++)
        {
            for (int k = 0; k < inner; k++)
            {
                double ax = scale * Enumerable.Range(0, mid).Sum(m => (double)x[(((o * mid) + m) * inner) + k]);
                double s = r[(o * inner) + k] / (ax + (ax >= 0 ? Eps : -Eps));
                eAbsorbed[(o * inner) + k] = r[(o * inner) + k] - (s * ax);
                for (int m = 0; m < mid; m++)
                {
                    int i = (((o * mid) + m) * inner) + k;
                    erx[i] = x[i] * scale * s;
                }
            }
        }

        Assert.AreEqual(0.0, Worst(erx, rx, null), Tolerance);
        Assert.AreEqual(0.0, Worst(eAbsorbed, absorbed, null), Tolerance);
    }

    private static float Finite(float v) => float.IsFinite(v) ? v : 0.5f;
}
