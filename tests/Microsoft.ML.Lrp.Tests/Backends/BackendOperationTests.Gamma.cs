using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Tests.Backends;

/// <summary>The Gamma rule's fused quotient pass (<c>GammaQuotient</c>) against a naive double-precision loop written from the formulas.</summary>
public abstract partial class BackendOperationTests
{
    [TestMethod]
    [DataRow(false, true, false, false)]
    [DataRow(false, true, true, false)]
    [DataRow(false, false, false, true)]
    [DataRow(false, false, true, true)]
    [DataRow(true, true, false, true)]
    [DataRow(true, false, true, false)]
    [DataRow(true, true, true, true)]
    [DataRow(false, true, false, true)]
    public void GammaQuotient_AnyLayoutAndInputSign_MatchesNaive(bool dense, bool zIncludesBias, bool nonPositive, bool separate)
    {
        // Channel planes [2, 3, 19] (bias per channel) or dense rows [2·4, 3] (bias on the last axis).
        const float Gamma = 0.25f;
        int batch = 2, channels = 3, inner = dense ? 4 : 19, length = batch * channels * inner;
        float[] r = NaiveKernels.RandomTensor(length, 71), z = NaiveKernels.RandomTensor(length, 72), t = NaiveKernels.RandomTensor(length, 73);
        float[] biases = NaiveKernels.RandomTensor(3 * channels, 74);
        // Element 0 (channel 0) has z = W x + b = 0 exactly: neither quotient passes anything there.
        z[0] = zIncludesBias ? 0f : -biases[0];
        int block = separate ? length : dense ? channels : channels * inner;
        float[] u = new float[separate ? length : 2 * length];
        float[]? u2 = separate ? new float[length] : null;
        var plan = new GammaQuotientPlan(batch, channels, dense, zIncludesBias, nonPositive, block, Gamma, Eps);
        var (sums, dots) = Backend.GammaQuotient(plan, r, z, t, biases, u, u2);

        var expected1 = new double[length];
        var expected2 = new double[length];
        var expectedSums = new double[batch];
        var expectedDots = new double[batch];
        for (int i = 0; i < length; i++)
        {
            int c = dense ? i % channels : i / inner % channels;
            double b = biases[c], bp = biases[channels + c], bn = biases[(2 * channels) + c];
            double a = zIncludesBias ? z[i] - b : z[i];
            double zRef = zIncludesBias ? z[i] : a + b;
            double p = a + t[i], n = ((1 + Gamma) * a) - t[i];
            // RULES.md's quotients: s⁺ = [z>0] R / stab(Wᵖx + bᵖ), s⁻ = [z<0] R / stab(Wⁿx + bⁿ) for x ≥ 0; for
            // x ≤ 0 the denominators are Wⁿx + bᵖ and Wᵖx + bⁿ. P = Wᵖx, N = Wⁿx.
            double sPlus = zRef > 0 ? r[i] / Stab((nonPositive ? n : p) + bp) : 0;
            double sMinus = zRef < 0 ? r[i] / Stab((nonPositive ? p : n) + bn) : 0;
            double sP = nonPositive ? sMinus : sPlus, sN = nonPositive ? sPlus : sMinus;
            expected1[i] = sP + ((1 + Gamma) * sN);
            expected2[i] = sP - sN;
            expectedSums[i / (length / batch)] += r[i];
            expectedDots[i / (length / batch)] += (sP * p) + (sN * n);
        }

        var actual1 = new float[length];
        var actual2 = new float[length];
        for (int i = 0; i < length; i++)
        {
            int first = separate ? i : (i / block * 2 * block) + (i % block);
            actual1[i] = u[first];
            actual2[i] = separate ? u2![i] : u[first + block];
        }

        Assert.AreEqual(0f, actual1[0], "z = 0 passes nothing (u₁)");
        Assert.AreEqual(0f, actual2[0], "z = 0 passes nothing (u₂)");
        Assert.AreEqual(0.0, Worst(expected1, actual1, null), Tolerance, "u₁");
        Assert.AreEqual(0.0, Worst(expected2, actual2, null), Tolerance, "u₂");
        for (int s = 0; s < batch; s++)
        {
            Assert.AreEqual(expectedSums[s], sums[s], 1e-5, "Σ R");
            Assert.AreEqual(expectedDots[s], dots[s], 1e-5 * Math.Max(1, Math.Abs(expectedDots[s])), "⟨sP, P⟩ + ⟨sN, N⟩");
        }

        static double Stab(double d) => d + (d >= 0 ? Eps : -Eps);
    }
}
