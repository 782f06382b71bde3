using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// Row reductions and the linear rule's fused quotient passes: one thread per row (plane, sample, chunk), sums
/// compensated (<see cref="CompensatedSum"/>) and written as high/low pairs that the host adds in double.
/// </summary>
internal static partial class BodyKernels
{
    /// <summary><c>out[row] = (high, low)</c> of <c>Σ_k x[row, k]</c>.</summary>
    public static void RowSums(Index1D row, ArrayView<float> x, ArrayView<float> pairs, int length)
    {
        long start = (long)(int)row * length;
        var sum = default(CompensatedSum);
        for (int k = 0; k < length; k++)
        {
            sum = sum.Add(x[start + k]);
        }

        pairs[2 * (long)(int)row] = sum.High;
        pairs[(2 * (long)(int)row) + 1] = sum.Low;
    }

    /// <summary><c>y[row] = Σ_k x[row, k]</c>, compensated, rounded to float (the result stays on the device).</summary>
    public static void RowSumsToFloat(Index1D row, ArrayView<float> x, ArrayView<float> y, int length)
    {
        long start = (long)(int)row * length;
        var sum = default(CompensatedSum);
        for (int k = 0; k < length; k++)
        {
            sum = sum.Add(x[start + k]);
        }

        y[(int)row] = sum.High + sum.Low;
    }

    /// <summary><c>out[row] = (high, low)</c> of <c>Σ_k a[row, k] · b[row, k]</c> (float products).</summary>
    public static void RowDots(Index1D row, ArrayView<float> a, ArrayView<float> b, ArrayView<float> pairs, int length)
    {
        long start = (long)(int)row * length;
        var sum = default(CompensatedSum);
        for (int k = 0; k < length; k++)
        {
            sum = sum.Add(a[start + k] * b[start + k]);
        }

        pairs[2 * (long)(int)row] = sum.High;
        pairs[(2 * (long)(int)row) + 1] = sum.Low;
    }

    /// <summary>
    /// The linear rule's quotient on row <paramref name="row"/> of <c>inner</c> elements: <c>s = R / stab(z + b)</c>
    /// with b = bias[k] (dense ≠ 0: bias on the last axis) or bias[row mod channels] (a convolution's plane); writes
    /// <c>(Σ R, ⟨s, z⟩)</c> as two high/low pairs at <c>pairs[4·row]</c>.
    /// </summary>
    public static void QuotientRows(Index1D row, ArrayView<float> r, ArrayView<float> z, ArrayView<float> bias, ArrayView<float> s, ArrayView<float> pairs, int inner, int channels, int dense, float epsilon)
    {
        long start = (long)(int)row * inner;
        float planeBias = bias[(int)row % channels];
        var sumR = default(CompensatedSum);
        var dot = default(CompensatedSum);
        for (int k = 0; k < inner; k++)
        {
            long i = start + k;
            float zz = z[i] + (dense != 0 ? bias[k] : planeBias);
            float v = r[i] / (zz + (zz >= 0f ? epsilon : -epsilon));
            s[i] = v;
            sumR = sumR.Add(r[i]);
            dot = dot.Add(v * z[i]);
        }

        long o = 4 * (long)(int)row;
        pairs[o] = sumR.High;
        pairs[o + 1] = sumR.Low;
        pairs[o + 2] = dot.High;
        pairs[o + 3] = dot.Low;
    }

    /// <summary>
    /// The Flat shortcut's quotient for element t = (n, o): <c>q = (Σ_m R[n, m, o]) / stab(z[o])</c> (the channel sum
    /// in float, in channel order, as on the CPU), and <c>(Σ_m R, q·z)</c> as two high/low pairs at <c>pairs[4·t]</c>.
    /// </summary>
    public static void FlatQuotient(Index1D t, ArrayView<float> r, ArrayView<float> z, ArrayView<float> q, ArrayView<float> pairs, int outChannels, int outSize, float epsilon)
    {
        int n = t / outSize, o = t % outSize;
        long first = ((long)n * outChannels * outSize) + o;
        float sum = r[first];
        for (int m = 1; m < outChannels; m++)
        {
            sum += r[first + ((long)m * outSize)];
        }

        float zo = z[o];
        float v = sum / (zo + (zo >= 0f ? epsilon : -epsilon));
        q[t] = v;
        long p = 4 * (long)(int)t;
        pairs[p] = sum;
        pairs[p + 1] = 0f;
        pairs[p + 2] = v * zo;
        pairs[p + 3] = 0f;
    }

    /// <summary>
    /// Sums of consecutive items: item pairs laid out <c>[items, quantities, 2]</c> (high, low), segment
    /// <paramref name="segment"/> covering <paramref name="perSegment"/> items; writes <c>[segments, quantities, 2]</c>.
    /// </summary>
    public static void SegmentSums(Index1D segment, ArrayView<float> pairs, ArrayView<float> sums, int perSegment, int quantities)
    {
        for (int q = 0; q < quantities; q++)
        {
            var sum = default(CompensatedSum);
            for (int j = 0; j < perSegment; j++)
            {
                long at = (((((long)(int)segment * perSegment) + j) * quantities) + q) * 2;
                sum = sum.Add(new CompensatedSum(pairs[at], pairs[at + 1]));
            }

            long to = ((((long)(int)segment * quantities) + q) * 2);
            sums[to] = sum.High;
            sums[to + 1] = sum.Low;
        }
    }

    /// <summary>
    /// The extremum (max ≠ 0: maximum) of chunk c of <paramref name="chunk"/> elements of x (the last chunk may be
    /// shorter): NaN propagates and +0 &gt; −0, as <c>TensorPrimitives.Max/Min</c>.
    /// </summary>
    public static void ExtremumChunks(Index1D c, ArrayView<float> x, ArrayView<float> result, int chunk, int length, int max)
    {
        long start = (long)(int)c * chunk;
        long end = start + chunk < length ? start + chunk : length;
        float best = x[start];
        for (long i = start + 1; i < end; i++)
        {
            best = Pick(best, x[i], max);
        }

        result[c] = best;
    }

    /// <summary>max(a, b) (max ≠ 0) or min(a, b), NaN propagating and +0 &gt; −0.</summary>
    private static float Pick(float a, float b, int max)
    {
        if (float.IsNaN(a) || float.IsNaN(b))
        {
            return float.NaN;
        }

        if (a == b)
        {
            uint ai = Interop.FloatAsInt(a), bi = Interop.FloatAsInt(b);
            return Interop.IntAsFloat(max != 0 ? ai & bi : ai | bi);
        }

        return max != 0 ? (a > b ? a : b) : (a < b ? a : b);
    }
}
