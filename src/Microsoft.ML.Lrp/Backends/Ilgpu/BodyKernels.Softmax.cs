using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// Softmax (replay and AttnLRP relevance) and the LayerNorm relevance rule: one thread per row along the axis
/// (<c>[outer, length, inner]</c>, stride <c>inner</c>), sums compensated (<see cref="CompensatedSum"/>), exp by
/// <see cref="DeviceMath.Exp"/>.
/// </summary>
internal static partial class BodyKernels
{
    /// <summary><c>y = exp(x − max) / Σ exp(x − max)</c> along the axis of row t = (o, c).</summary>
    public static void Softmax(Index1D t, ArrayView<float> x, ArrayView<float> y, int length, int inner)
    {
        int o = t / inner, c = t % inner;
        long start = ((long)o * length * inner) + c;
        float max = float.NegativeInfinity;
        for (int j = 0; j < length; j++)
        {
            max = Pick(max, x[start + ((long)j * inner)], 1);
        }

        var sum = default(CompensatedSum);
        for (int j = 0; j < length; j++)
        {
            long i = start + ((long)j * inner);
            float e = DeviceMath.Exp(x[i] - max);
            y[i] = e;
            sum = sum.Add(e);
        }

        float scale = 1f / sum.Value;
        for (int j = 0; j < length; j++)
        {
            long i = start + ((long)j * inner);
            y[i] *= scale;
        }
    }

    /// <summary>
    /// The AttnLRP softmax rule along the axis of row t = (o, c): <c>R_x = x ⊙ (R − y · Σ R)</c>, 0 where y is 0 or x is
    /// not finite, and the Taylor-bias shares <c>R (1 − x + Σ y·x)</c> (kept) or <c>R (1 + Σ y·x)</c> (masked): per
    /// element into <paramref name="absorbed"/> (perRow = 0) or summed per row as a high/low pair (perRow ≠ 0).
    /// </summary>
    public static void SoftmaxRelevance(Index1D t, ArrayView<float> x, ArrayView<float> y, ArrayView<float> r, ArrayView<float> rx, ArrayView<float> absorbed, int length, int inner, int perRow)
    {
        int o = t / inner, c = t % inner;
        long start = ((long)o * length * inner) + c;
        var total = default(CompensatedSum);
        var sx = default(CompensatedSum);
        for (int j = 0; j < length; j++)
        {
            long i = start + ((long)j * inner);
            total = total.Add(r[i]);
            sx = sx.Add(Kept(x[i], y[i]) ? y[i] * x[i] : 0f);
        }

        float sumR = total.Value, sumYX = sx.Value;
        var row = default(CompensatedSum);
        for (int j = 0; j < length; j++)
        {
            long i = start + ((long)j * inner);
            float xi = x[i], ri = r[i];
            bool kept = Kept(xi, y[i]);
            float share = kept ? ri * (1f - xi + sumYX) : ri * (1f + sumYX);
            rx[i] = kept ? xi * (ri - (y[i] * sumR)) : 0f;
            if (perRow != 0)
            {
                row = row.Add(share);
            }
            else
            {
                absorbed[i] = share;
            }
        }

        if (perRow != 0)
        {
            absorbed[2 * (long)(int)t] = row.High;
            absorbed[(2 * (long)(int)t) + 1] = row.Low;
        }
    }

    /// <summary>
    /// The AttnLRP LayerNorm / RMSNorm rule on group g of <paramref name="length"/> elements (see the rules'
    /// <c>LayerNormRule</c>): <c>σ = √(var + ε_norm)</c>, <c>y = w (x − μ)/σ + b</c>, <c>s = R / stab(y)</c>,
    /// <c>R_x = x/σ · (w s − mean(w s))</c> (the mean only when centered), absorbed <c>R − s y + s b</c>.
    /// </summary>
    public static void LayerNormRelevance(Index1D g, ArrayView<float> x, ArrayView<float> w, ArrayView<float> bias, ArrayView<float> r, ArrayView<float> rx, ArrayView<float> absorbed, int length, float epsilonNorm, float stabiliser, int centered, int hasBias)
    {
        long start = (long)(int)g * length;
        float mean = 0f;
        if (centered != 0)
        {
            var sum = default(CompensatedSum);
            for (int k = 0; k < length; k++)
            {
                sum = sum.Add(x[start + k]);
            }

            mean = sum.Value / length;
        }

        var squares = default(CompensatedSum);
        for (int k = 0; k < length; k++)
        {
            float d = x[start + k] - mean;
            squares = squares.Add(d * d);
        }

        float sigma = MathF.Sqrt((squares.Value / length) + epsilonNorm);
        var sumWs = default(CompensatedSum);
        for (int k = 0; k < length; k++)
        {
            float b = hasBias != 0 ? bias[k] : 0f;
            float yk = (w[k] * (x[start + k] - mean) / sigma) + b;
            float sk = r[start + k] / (yk + (yk >= 0f ? stabiliser : -stabiliser));
            sumWs = sumWs.Add(w[k] * sk);
            absorbed[start + k] = (r[start + k] - (sk * yk)) + (sk * b);
        }

        float meanWs = centered != 0 ? sumWs.Value / length : 0f;
        for (int k = 0; k < length; k++)
        {
            // s recomputed as in the pass above (same operations, same value) rather than stored per element.
            float b = hasBias != 0 ? bias[k] : 0f;
            float yk = (w[k] * (x[start + k] - mean) / sigma) + b;
            float sk = r[start + k] / (yk + (yk >= 0f ? stabiliser : -stabiliser));
            rx[start + k] = x[start + k] / sigma * ((w[k] * sk) - meanWs);
        }
    }

    /// <summary>The softmax rule keeps element (x, y) unless y is 0 or x is not finite.</summary>
    private static bool Kept(float x, float y) => y != 0f && DeviceMath.IsFinite(x);
}
