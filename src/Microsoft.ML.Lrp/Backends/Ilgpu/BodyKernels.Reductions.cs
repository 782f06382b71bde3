using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>The rule-body kernels that reduce (one thread per output element or plane) or scatter with atomics.</summary>
internal static partial class BodyKernels
{
    /// <summary>
    /// The reduction Norm rule for output element t = (o, k) of x <c>[outer, mid, inner]</c>: <c>a = scale · Σ_m x</c>,
    /// <c>s = R / stab(a)</c>, <c>rx = x · (s · scale)</c>, <c>absorbed = R − s · a</c>.
    /// </summary>
    public static void ReductionNorm(Index1D t, ArrayView<float> x, ArrayView<float> r, ArrayView<float> rx, ArrayView<float> absorbed, int mid, int inner, float scale, float epsilon)
    {
        int o = t / inner, k = t % inner;
        long first = ((long)o * mid * inner) + k;
        float sum = 0f;
        for (int m = 0; m < mid; m++)
        {
            sum += x[first + ((long)m * inner)];
        }

        float a = sum * scale;
        float s = r[t] / (a + (a >= 0 ? epsilon : -epsilon));
        float factor = s * scale;
        for (int m = 0; m < mid; m++)
        {
            long i = first + ((long)m * inner);
            rx[i] = x[i] * factor;
        }

        absorbed[t] = r[t] + (-1f * s * a);
    }

    /// <summary>
    /// The prefix sums of line t = (o, c) of x <c>[outer, length, inner]</c> along the middle axis, compensated
    /// (exclusive ≠ 0: each element's sum leaves it out; reverse ≠ 0: from the end).
    /// </summary>
    public static void PrefixSums(Index1D t, ArrayView<float> x, ArrayView<float> y, int length, int inner, int exclusive, int reverse)
    {
        int o = t / inner, c = t % inner;
        long first = ((long)o * length * inner) + c;
        var sum = default(CompensatedSum);
        for (int step = 0; step < length; step++)
        {
            long i = first + ((long)(reverse != 0 ? length - 1 - step : step) * inner);
            float before = sum.Value;
            sum = sum.Add(x[i]);
            y[i] = exclusive != 0 ? before : sum.Value;
        }
    }

    /// <summary><c>y[p]</c> = the maximum (max ≠ 0) or mean of plane p.</summary>
    public static void GlobalPool(Index1D p, ArrayView<float> x, ArrayView<float> y, int size, int max)
    {
        long start = (long)(int)p * size;
        float best = x[start], sum = 0f;
        for (int i = 0; i < size; i++)
        {
            float v = x[start + i];
            best = v > best ? v : best;
            sum += v;
        }

        y[p] = max != 0 ? best : sum / size;
    }

    /// <summary><c>rx</c> over plane p: <c>r[p]</c> at the plane's first maximum, 0 elsewhere.</summary>
    public static void GlobalMaxScatter(Index1D p, ArrayView<float> x, ArrayView<float> r, ArrayView<float> rx, int size)
    {
        long start = (long)(int)p * size;
        int best = 0;
        for (int i = 1; i < size; i++)
        {
            best = x[start + i] > x[start + best] ? i : best;
        }

        for (int i = 0; i < size; i++)
        {
            rx[start + i] = i == best ? r[p] : 0f;
        }
    }

    /// <summary><c>y = x · scale[c] + shift[c]</c>, c = (i / inner) mod channels.</summary>
    public static void ChannelAffine(Index1D i, ArrayView<float> x, ArrayView<float> scale, ArrayView<float> shift, ArrayView<float> y, int inner, int channels)
    {
        int c = (i / inner) % channels;
        float product = x[i] * scale[c];
        y[i] = product + shift[c];
    }

    /// <summary>
    /// <c>y = max(a, b)</c> (max ≠ 0) or <c>min(a, b)</c>, b one scalar (bLength 1) or element-wise; NaN propagates and
    /// +0 &gt; −0, as <c>TensorPrimitives.Max/Min</c>.
    /// </summary>
    public static void Extremum(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, int max, int bLength)
    {
        float av = a[i], bv = b[bLength == 1 ? 0 : (int)i];
        float result;
        if (float.IsNaN(av) || float.IsNaN(bv))
        {
            result = float.NaN;
        }
        else if (av == bv)
        {
            // Equal values differ at most in the sign of zero: max keeps +0 (bits AND), min keeps −0 (bits OR).
            uint ai = Interop.FloatAsInt(av), bi = Interop.FloatAsInt(bv);
            result = Interop.IntAsFloat(max != 0 ? ai & bi : ai | bi);
        }
        else
        {
            result = max != 0 ? (av > bv ? av : bv) : (av < bv ? av : bv);
        }

        y[i] = result;
    }

    /// <summary><c>y[map[i]] += r[i]</c> (atomic) where map[i] ≥ 0, else <c>lost[i] = r[i]</c>.</summary>
    public static void ScatterAdd(Index1D i, ArrayView<int> map, ArrayView<float> r, ArrayView<float> y, ArrayView<float> lost)
    {
        int target = map[i];
        if (target >= 0)
        {
            Atomic.Add(ref y[target], r[i]);
            lost[i] = 0f;
        }
        else
        {
            lost[i] = r[i];
        }
    }

    /// <summary><c>y[i] = 0</c>.</summary>
    public static void Zero(Index1D i, ArrayView<float> y) => y[i] = 0f;
}
