using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>
/// The AttnLRP softmax rule over the last axis on rows as long as an attention row (vector sweeps and their tails),
/// with masked elements (a −∞ input and an input whose weight underflows to 0), against the formula in double:
/// <c>R_x = x (R − y Σ R)</c>, 0 where y = 0 or x is not finite; absorbed per row <c>Σ_j R_j (1 − x_j + Σ_k y_k x_k)</c>
/// over kept j plus <c>R_j (1 + Σ_k y_k x_k)</c> over masked j; and the output relevance's buffer reused for R_x.
/// The Norm rule on a sum of two operands whole on each block (bias, shift, residual), against its formula in double.
/// </summary>
public abstract partial class BackendOperationTests
{
    [TestMethod]
    [DataRow(128, false)]
    [DataRow(37, false)]
    [DataRow(128, true)]
    public void SoftmaxRelevanceLastAxis_LongMaskedRows_MatchNaive(int length, bool inPlace)
    {
        int outer = 5, size = outer * length;
        float[] x = NaiveKernels.RandomTensor(size, 90).Select(v => 6 * v).ToArray();
        float[] r = NaiveKernels.RandomTensor(size, 91);
        x[3] = float.NegativeInfinity;
        x[length + 7] = -1e4f; // an additive mask: its weight underflows to 0
        x[(2 * length) + length - 1] = float.NegativeInfinity; // in the tail of a row
        var y = new float[size];
        double[] erx = new double[size], eAbsorbed = new double[outer];
        for (int o = 0; o < outer; o++)
        {
            int[] idx = [.. Enumerable.Range(o * length, length)];
            double max = idx.Max(i => (double)x[i]);
            double total = idx.Sum(i => Math.Exp(x[i] - max));
            foreach (int i in idx)
            {
                y[i] = (float)(Math.Exp(x[i] - max) / total);
            }

            bool Kept(int i) => y[i] != 0f && float.IsFinite(x[i]);
            double sumR = idx.Sum(i => (double)r[i]), sx = idx.Where(Kept).Sum(i => (double)y[i] * x[i]);
            foreach (int i in idx)
            {
                erx[i] = Kept(i) ? x[i] * (r[i] - (y[i] * sumR)) : 0;
                eAbsorbed[o] += Kept(i) ? r[i] * (1 - x[i] + sx) : r[i] * (1 + sx);
            }
        }

        Assert.AreEqual(0f, y[length + 7], "the -1e4 element is masked by underflow");
        double[] scales = [.. Enumerable.Range(0, outer).Select(o => Enumerable.Range(o * length, length).Sum(i => Math.Abs((double)r[i]) * (1 + (float.IsFinite(x[i]) ? Math.Abs(x[i]) : 0) + 6)) + 1)];
        float[] rx = inPlace ? r : new float[size];
        var perRow = new double[outer];
        Backend.SoftmaxRelevanceLastAxis(x, y, r, rx, length, perRow);
        for (int o = 0; o < outer; o++)
        {
            Assert.AreEqual(eAbsorbed[o], perRow[o], 1e-5 * scales[o], $"absorbed, row {o}");
        }

        Assert.AreEqual(0.0, rx[3]);
        Assert.AreEqual(0.0, rx[length + 7]);
        Assert.AreEqual(0.0, Worst(erx, rx, null), Tolerance, "R_x");
    }

    [TestMethod]
    [DataRow(true, 1f, 37)]
    [DataRow(false, 1f, 384)]
    [DataRow(true, -1f, 24)]
    [DataRow(false, -1f, 40)]
    public void NormSum_TwoWholeOperands_MatchNaive(bool bothRelevant, float secondSign, int inner)
    {
        // z[o, k] = A[o, k] + σ·B[k] (a bias or shift broadcast over the blocks) or + σ·B[o, k] (a residual), the
        // relevance written over R; one block of the bias kind holds a −∞ (a mask) whose own terms are not finite.
        int batch = 2, blocks = 6, length = blocks * inner;
        float[] a = NaiveKernels.RandomTensor(length, 92);
        float[] b = NaiveKernels.RandomTensor(bothRelevant ? length : inner, 93);
        float[] r = NaiveKernels.RandomTensor(length, 94);
        if (!bothRelevant)
        {
            b[inner - 1] = float.NegativeInfinity;
        }

        int bBlock(int o) => bothRelevant ? o * inner : 0;
        var plan = new NormSumPlan(blocks, inner, batch,
        [
            new NormSumOperand(a, 1f, true, [.. Enumerable.Range(0, blocks).Select(o => o * inner)], true, true, length),
            new NormSumOperand(b, secondSign, true, [.. Enumerable.Range(0, blocks).Select(bBlock)], bothRelevant, bothRelevant, b.Length),
        ]);
        double[] ea = new double[length], eb = new double[b.Length], eAbsorbed = new double[batch];
        for (int o = 0; o < blocks; o++)
        {
            double own = 0, rest = 0;
            for (int k = 0; k < inner; k++)
            {
                int i = (o * inner) + k;
                double bv = b[bBlock(o) + k], z = a[i] + (secondSign * bv);
                double s = r[i] / (z + (z >= 0 ? Eps : -Eps));
                ea[i] = a[i] * s;
                own += r[i] - (s * z);
                rest += r[i] - ea[i];
                if (bothRelevant)
                {
                    eb[bBlock(o) + k] = secondSign * bv * s;
                    rest -= eb[bBlock(o) + k];
                }
                else
                {
                    own += secondSign * bv * s;
                }
            }

            eAbsorbed[o / (blocks / batch)] += double.IsFinite(own) ? own : rest;
        }

        var relevance = (float[])r.Clone();
        var absorbed = new double[batch];
        var shares = Backend.NormSum(plan, relevance, Eps, absorbed, reuseRelevance: true);
        Assert.AreSame(relevance, shares[0], "A's share is written over R");
        Assert.AreEqual(0.0, Worst(ea, shares[0]!, null), Tolerance, "A");
        if (bothRelevant)
        {
            Assert.AreEqual(0.0, Worst(eb, shares[1]!, null), Tolerance, "B");
        }
        else
        {
            Assert.IsNull(shares[1]);
        }

        for (int row = 0; row < batch; row++)
        {
            Assert.IsTrue(double.IsFinite(absorbed[row]), $"row {row} absorbed {absorbed[row]}");
            Assert.AreEqual(eAbsorbed[row], absorbed[row], 1e-4 * (1 + Math.Abs(eAbsorbed[row])), $"absorbed, row {row}");
        }
    }
}
