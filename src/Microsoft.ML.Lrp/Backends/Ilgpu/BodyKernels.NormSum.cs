using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// The Norm rule on a broadcasting sum (the backend's <c>NormSum</c>, see <c>Backends/Bodies/NormSumPlan</c>) as a
/// fixed sequence of launches per operand: the sum z, the quotient with its block sums, each operand's share and
/// term, the absorbed remainder per block. Block accumulators <c>acc[o, 6]</c>: Σs, own terms (high, low), shares
/// (high, low), ΣR.
/// </summary>
internal static partial class BodyKernels
{
    public const int NormAccumulators = 6;

    /// <summary>
    /// Adds operand j's term to the sum: whole operands over <c>z[o, k]</c> (t over outer·inner), one-per-block operands
    /// into <c>constant[o]</c> (t over outer); <paramref name="first"/> ≠ 0 assigns (the CPU's order: the whole operands
    /// in order, then the constants).
    /// </summary>
    public static void NormTerm(Index1D t, ArrayView<float> data, ArrayView<int> offsets, ArrayView<float> target, float sign, int inner, int whole, int first)
    {
        float v = whole != 0 ? sign * data[offsets[t / inner] + (t % inner)] : sign * data[offsets[t]];
        target[t] = first != 0 ? (whole != 0 ? v : 0f + v) : target[t] + v;
    }

    /// <summary>
    /// Block o: <c>z += constant</c> (z = constant without whole operands), <c>s = R / stab(z)</c>, and the accumulators
    /// Σs, own terms = ΣR − ⟨s, z⟩, shares = 0, ΣR.
    /// </summary>
    public static void NormQuotient(Index1D o, ArrayView<float> r, ArrayView<float> z, ArrayView<float> constant, ArrayView<float> s, ArrayView<float> acc, int inner, int hasWhole, float epsilon)
    {
        long start = (long)(int)o * inner;
        float c = constant[o];
        var sumR = default(CompensatedSum);
        var dot = default(CompensatedSum);
        var sumS = default(CompensatedSum);
        for (int k = 0; k < inner; k++)
        {
            long i = start + k;
            float zi = hasWhole != 0 ? (c != 0f ? z[i] + c : z[i]) : c;
            float si = r[i] / (zi + (zi >= 0f ? epsilon : -epsilon));
            s[i] = si;
            sumR = sumR.Add(r[i]);
            dot = dot.Add(si * zi);
            sumS = sumS.Add(si);
        }

        var own = sumR.Add(new CompensatedSum(-dot.High, -dot.Low));
        long a = NormAccumulators * (long)(int)o;
        acc[a] = sumS.Value;
        acc[a + 1] = own.High;
        acc[a + 2] = own.Low;
        acc[a + 3] = 0f;
        acc[a + 4] = 0f;
        acc[a + 5] = sumR.Value;
    }

    /// <summary>
    /// Operand j on block o: its term <c>sign · ⟨x_block, s⟩</c> (whole) or <c>sign · x_o · Σs</c>, added to the block's
    /// shares when it receives relevance (its share, element by element, added atomically into
    /// <paramref name="share"/> at its own offsets: broadcast operands collect several blocks) or to the own terms when
    /// it does not.
    /// </summary>
    public static void NormOperand(Index1D o, ArrayView<float> data, ArrayView<int> offsets, ArrayView<float> s, ArrayView<float> acc, ArrayView<float> share, float sign, int inner, int whole, int relevant)
    {
        long a = NormAccumulators * (long)(int)o;
        int offset = offsets[o];
        var term = default(CompensatedSum);
        if (whole != 0)
        {
            long start = (long)(int)o * inner;
            for (int k = 0; k < inner; k++)
            {
                float v = data[offset + k] * s[start + k];
                v = sign != 1f ? v * sign : v;
                if (relevant != 0)
                {
                    Atomic.Add(ref share[offset + k], v);
                }

                term = term.Add(v);
            }
        }
        else
        {
            float v = sign * data[offset] * acc[a];
            if (relevant != 0)
            {
                Atomic.Add(ref share[offset], v);
            }

            term = term.Add(v);
        }

        long at = relevant != 0 ? a + 3 : a + 1;
        var sum = new CompensatedSum(acc[at], acc[at + 1]).Add(term);
        acc[at] = sum.High;
        acc[at + 1] = sum.Low;
    }

    /// <summary>
    /// Block o's absorbed relevance as a high/low pair: the own terms, or ΣR − Σ shares where the own terms are not
    /// finite (a −∞ mask makes them 0·∞).
    /// </summary>
    public static void NormAbsorbed(Index1D o, ArrayView<float> acc, ArrayView<float> pairs)
    {
        long a = NormAccumulators * (long)(int)o;
        var result = new CompensatedSum(acc[a + 1], acc[a + 2]);
        if (!DeviceMath.IsFinite(result.Value))
        {
            result = new CompensatedSum(acc[a + 5], 0f).Add(new CompensatedSum(-acc[a + 3], -acc[a + 4]));
        }

        pairs[2 * (long)(int)o] = result.High;
        pairs[(2 * (long)(int)o) + 1] = result.Low;
    }
}
