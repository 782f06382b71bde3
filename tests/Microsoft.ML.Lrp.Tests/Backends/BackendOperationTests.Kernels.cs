using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// Edge shapes for the reductions, quotients, softmax and LayerNorm operations (rows of length 1, odd lengths, rows
/// longer than a vector or a chunk, zero denominators where only the stabiliser is left) and the replays' unary
/// functions at the ends of their ranges, against naive double loops and the CPU backend.
/// </summary>
public abstract partial class BackendOperationTests
{
    [TestMethod]
    [DataRow(5, 1)]
    [DataRow(3, 37)]
    [DataRow(1, 1001)]
    [DataRow(7, 0)]
    public void RowSumsAndDots_OddAndUnitRows_MatchNaive(int rows, int length)
    {
        float[] a = NaiveKernels.RandomTensor(rows * length, 200).Select(v => v * 100f).ToArray(), b = NaiveKernels.RandomTensor(rows * length, 201);
        double[] sums = new double[rows], dots = new double[rows];
        Backend.RowSums(a, rows, sums);
        Backend.RowDots(a, b, rows, dots);
        for (int r = 0; r < rows; r++)
        {
            var idx = Enumerable.Range(r * length, length).ToArray();
            double magnitude = Math.Max(1, idx.Sum(i => Math.Abs((double)a[i])));
            Assert.AreEqual(idx.Sum(i => (double)a[i]), sums[r], 1e-12 * magnitude, $"sum of row {r}");
            double dotMagnitude = Math.Max(1, idx.Sum(i => Math.Abs((double)a[i] * b[i])));
            Assert.AreEqual(idx.Sum(i => (double)a[i] * b[i]), dots[r], 1e-6 * dotMagnitude, $"dot of row {r}");
        }
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(3)]
    [DataRow(1025)]
    [DataRow(5001)]
    public void MinMax_AnyLength_MatchNaiveAndCpu(int length)
    {
        float[] x = NaiveKernels.RandomTensor(length, 202);
        Assert.AreEqual(x.Min(), Backend.Min(x));
        Assert.AreEqual(x.Max(), Backend.Max(x));
        Assert.AreEqual(Cpu.Min(x), Backend.Min(x));
        x[length / 2] = float.NaN;
        Assert.IsTrue(float.IsNaN(Backend.Max(x)), "NaN propagates (max)");
        Assert.IsTrue(float.IsNaN(Backend.Min(x)), "NaN propagates (min)");
    }

    [TestMethod]
    public void MinMax_SignedZeros_AsTensorPrimitives()
    {
        Assert.IsTrue(float.IsNegative(Backend.Min([0f, -0f])), "min(+0, −0) = −0");
        Assert.IsFalse(float.IsNegative(Backend.Max([-0f, 0f])), "max(−0, +0) = +0");
        Assert.AreEqual(float.NegativeInfinity, Backend.Max([]));
    }

    [TestMethod]
    [DataRow(false, 3, 1)]
    [DataRow(true, 3, 1)]
    [DataRow(false, 1, 33)]
    [DataRow(true, 5, 9)]
    public void Quotient_ZeroDenominatorsAndUnitRows_MatchNaive(bool dense, int batch, int inner)
    {
        // Dense rows [batch, 2, inner] with the bias on the last axis (inner entries), or planes [batch, 3, inner].
        int channels = dense ? inner : 3, rowsPerSample = dense ? 2 : 1, length = batch * rowsPerSample * (dense ? inner : 3 * inner);
        float[] r = NaiveKernels.RandomTensor(length, 203), z = NaiveKernels.RandomTensor(length, 204), bias = NaiveKernels.RandomTensor(channels, 205);
        for (int i = 0; i < length; i += 2)
        {
            // z + b = 0: only the stabiliser is left (sign(0) = +1); every fourth one has R = 0 too.
            z[i] = -bias[dense ? i % channels : i / inner % channels];
            r[i] = i % 4 == 0 ? 0f : r[i];
        }

        var s = new float[length];
        var cpuS = new float[length];
        var (sums, dots) = dense ? Backend.DenseQuotient(r, z, bias, batch, Eps, s) : Backend.ChannelQuotient(r, z, bias, batch, Eps, s);
        var (cpuSums, cpuDots) = dense ? Cpu.DenseQuotient(r, z, bias, batch, Eps, cpuS) : Cpu.ChannelQuotient(r, z, bias, batch, Eps, cpuS);
        var expected = new double[length];
        double[] eSums = new double[batch], eDots = new double[batch];
        for (int i = 0; i < length; i++)
        {
            double zz = (double)z[i] + bias[dense ? i % channels : i / inner % channels];
            expected[i] = r[i] / (zz + (zz >= 0 ? Eps : -Eps));
            eSums[i / (length / batch)] += r[i];
            eDots[i / (length / batch)] += expected[i] * z[i];
        }

        Assert.AreEqual(0.0, Worst(expected, s, null), Tolerance, "s");
        Assert.AreEqual(0.0, Worst(cpuS, s, null), Tolerance, "s versus CPU");
        for (int n = 0; n < batch; n++)
        {
            Assert.AreEqual(eSums[n], sums[n], 1e-6, $"Σ R of sample {n}");
            Assert.AreEqual(eDots[n], dots[n], 1e-5 * Math.Max(1, Math.Abs(eDots[n])), $"⟨s, z⟩ of sample {n}");
            Assert.AreEqual(cpuDots[n], dots[n], 1e-5 * Math.Max(1, Math.Abs(eDots[n])), $"⟨s, z⟩ of sample {n} versus CPU");
            Assert.AreEqual(cpuSums[n], sums[n], 1e-5, $"Σ R of sample {n} versus CPU");
        }
    }

    [TestMethod]
    [DataRow(1, 1, 1)]
    [DataRow(3, 5, 7)]
    public void FlatQuotient_ZeroDenominatorAndUnitShapes_MatchNaive(int batch, int outChannels, int outSize)
    {
        float[] r = NaiveKernels.RandomTensor(batch * outChannels * outSize, 206), z = NaiveKernels.RandomTensor(outSize, 207);
        z[0] = 0f;
        var q = new float[batch * outSize];
        var absorbed = Enumerable.Repeat(0.5, batch).ToArray();
        Backend.FlatQuotient(r, batch, outChannels, z, Eps, q, absorbed);
        var expected = new double[q.Length];
        for (int n = 0; n < batch; n++)
        {
            double total = 0, kept = 0;
            for (int o = 0; o < outSize; o++)
            {
                double sum = Enumerable.Range(0, outChannels).Sum(m => (double)r[(((n * outChannels) + m) * outSize) + o]);
                expected[(n * outSize) + o] = sum / (z[o] + (z[o] >= 0 ? Eps : -Eps));
                total += sum;
                kept += expected[(n * outSize) + o] * z[o];
            }

            Assert.AreEqual(0.5 + total - kept, absorbed[n], 1e-5, $"absorbed of sample {n} (added to what was there)");
        }

        Assert.AreEqual(0.0, Worst(expected, q, null), Tolerance);
    }

    [TestMethod]
    [DataRow(1, 1)]
    [DataRow(3, 33)]
    public void NormSum_ZeroSumsAndUnitBlocks_MatchNaiveAndCpu(int blocksPerSample, int inner)
    {
        // z = A − A' + c (A' a copy of A on half the blocks): those blocks sum to c alone, and c = 0 on some.
        int batch = 2, blocks = batch * blocksPerSample, length = blocks * inner;
        float[] a = NaiveKernels.RandomTensor(length, 208), b = (float[])a.Clone(), c = NaiveKernels.RandomTensor(blocks, 209), r = NaiveKernels.RandomTensor(length, 210);
        for (int i = 0; i < length; i++)
        {
            b[i] = (i / inner) % 2 == 0 ? a[i] : b[i] * 0.5f;
        }

        c[0] = 0f;
        int[] whole = [.. Enumerable.Range(0, blocks).Select(o => o * inner)], perBlock = [.. Enumerable.Range(0, blocks)];
        var plan = new NormSumPlan(blocks, inner, batch,
        [
            new NormSumOperand(a, 1f, true, whole, true, true, length),
            new NormSumOperand(b, -1f, true, whole, true, true, length),
            new NormSumOperand(c, 1f, false, perBlock, false, true, blocks),
        ]);
        double[] absorbed = new double[batch], cpuAbsorbed = new double[batch];
        var shares = Backend.NormSum(plan, (float[])r.Clone(), Eps, absorbed, reuseRelevance: true);
        var cpuShares = Cpu.NormSum(plan, (float[])r.Clone(), Eps, cpuAbsorbed, reuseRelevance: true);
        double[] ea = new double[length], eb = new double[length], eAbsorbed = new double[batch];
        for (int i = 0; i < length; i++)
        {
            int o = i / inner;
            double z = (double)a[i] - b[i] + c[o];
            double s = r[i] / (z + (z >= 0 ? Eps : -Eps));
            ea[i] = a[i] * s;
            eb[i] = -b[i] * s;
            eAbsorbed[o / blocksPerSample] += r[i] - (s * z) + (c[o] * s);
        }

        Assert.IsNull(shares[2]);
        Assert.AreEqual(0.0, Worst(ea, shares[0]!, null), Tolerance, "A");
        Assert.AreEqual(0.0, Worst(eb, shares[1]!, null), Tolerance, "A'");
        Assert.AreEqual(0.0, Worst(cpuShares[0]!, shares[0]!, null), Tolerance, "A versus CPU");
        for (int n = 0; n < batch; n++)
        {
            Assert.AreEqual(eAbsorbed[n], absorbed[n], 1e-4 * Math.Max(1, Math.Abs(eAbsorbed[n])), $"absorbed of sample {n}");
            Assert.AreEqual(cpuAbsorbed[n], absorbed[n], 1e-4 * Math.Max(1, Math.Abs(eAbsorbed[n])), $"absorbed of sample {n} versus CPU");
        }
    }
}
