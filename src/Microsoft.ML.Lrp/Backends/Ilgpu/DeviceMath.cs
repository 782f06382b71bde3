using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// Float math for ILGPU kernels built from +, −, ×, ÷ and bit operations only (ILGPU 1.5.3's core has no exp, log
/// or erf for the GPU, and the context runs in 32-bit fast-math mode, so no doubles either), so that a kernel
/// computes the same on ILGPU's CPU accelerator and on CUDA. Error bounds (relative unless stated), measured against
/// double-precision references by the backend tests: <see cref="Exp"/> ≤ 3e-7 (Cody–Waite reduction, degree-7
/// Taylor on |r| ≤ ln2/2, truncation ≤ 8e-9), <see cref="Expm1"/> ≤ 3e-7, <see cref="Log"/> ≤ 3e-7 (atanh series
/// to u¹¹ on |u| ≤ 0.172, truncation ≤ 3e-9), <see cref="Erf"/> ≤ 4e-7 absolute (Maclaurin series to x²¹ below 1,
/// Abramowitz–Stegun 7.1.26 with |ε| ≤ 1.5e-7 above), <see cref="Tanh"/> ≤ 4e-7.
/// </summary>
internal static class DeviceMath
{
    private const float Log2E = 1.44269504088896341f;

    /// <summary>ln 2 split: the high part has 15 significant bits, so k·Ln2High is exact for |k| ≤ 256.</summary>
    private const float Ln2High = 0.693145751953125f;

    private const float Ln2Low = 1.42860682030941723e-06f;

    private const float TwoOverSqrtPi = 1.12837916709551257f;

    /// <summary>True unless <paramref name="x"/> is ±∞ or NaN (by its exponent bits: no comparison fast math could fold).</summary>
    public static bool IsFinite(float x) => (Interop.FloatAsInt(x) & 0x7F800000u) != 0x7F800000u;

    /// <summary>|x| by clearing the sign bit.</summary>
    public static float Abs(float x) => Interop.IntAsFloat(Interop.FloatAsInt(x) & 0x7FFFFFFFu);

    /// <summary>e^x: x = k·ln2 + r, e^r by its Taylor polynomial, scaled by 2^k through the exponent bits.</summary>
    public static float Exp(float x)
    {
        if (float.IsNaN(x))
        {
            return x;
        }

        if (x > 88.7228394f)
        {
            return float.PositiveInfinity;
        }

        if (x < -103.972084f)
        {
            return 0f;
        }

        float t = x * Log2E;
        int k = (int)(t + (t >= 0f ? 0.5f : -0.5f));
        float kf = k;
        float r = (x - (kf * Ln2High)) - (kf * Ln2Low);
        float p = (1f / 720f) + (r * (1f / 5040f));
        p = (1f / 120f) + (r * p);
        p = (1f / 24f) + (r * p);
        p = (1f / 6f) + (r * p);
        p = 0.5f + (r * p);
        p = 1f + (r * p);
        p = 1f + (r * p);
        if (k > 127)
        {
            return p * Pow2(127) * Pow2(k - 127);
        }

        return k < -126 ? p * Pow2(k + 64) * Pow2(-64) : p * Pow2(k);
    }

    /// <summary>e^x − 1 without cancellation near 0 (Taylor to x⁹ below |x| = 0.5, truncation ≤ 6e-10).</summary>
    public static float Expm1(float x)
    {
        if (Abs(x) >= 0.5f || float.IsNaN(x))
        {
            return Exp(x) - 1f;
        }

        float p = 1f + (x * (1f / 9f));
        p = 1f + (x * (1f / 8f) * p);
        p = 1f + (x * (1f / 7f) * p);
        p = 1f + (x * (1f / 6f) * p);
        p = 1f + (x * (1f / 5f) * p);
        p = 1f + (x * (1f / 4f) * p);
        p = 1f + (x * (1f / 3f) * p);
        p = 1f + (x * 0.5f * p);
        return x * p;
    }

    /// <summary>tanh x = sign(x) · e/(e + 2) with e = expm1(2|x|); ±1 beyond |x| = 9.1 (where tanh rounds to 1).</summary>
    public static float Tanh(float x)
    {
        float a = Abs(x);
        float t = a > 9.1f ? 1f : Expm1(2f * a) / (Expm1(2f * a) + 2f);
        return x < 0f ? -t : t;
    }

    /// <summary>1 / (1 + e^−x), as <c>TensorPrimitives.Sigmoid</c>.</summary>
    public static float Sigmoid(float x) => 1f / (1f + Exp(-x));

    /// <summary>ln x: x = m·2^e with m in [√½, √2), ln m = 2·atanh(u), u = (m − 1)/(m + 1); NaN below 0, −∞ at 0.</summary>
    public static float Log(float x)
    {
        if (!(x > 0f))
        {
            return x == 0f ? float.NegativeInfinity : float.NaN;
        }

        if (x == float.PositiveInfinity)
        {
            return x;
        }

        int e = 0;
        uint bits = Interop.FloatAsInt(x);
        if (bits < 0x00800000u)
        {
            // Subnormal: scaled into the normal range first.
            bits = Interop.FloatAsInt(x * 8388608f);
            e = -23;
        }

        e += (int)(bits >> 23) - 127;
        float m = Interop.IntAsFloat((bits & 0x007FFFFFu) | 0x3F800000u);
        if (m > 1.41421356f)
        {
            m *= 0.5f;
            e++;
        }

        float f = m - 1f;
        float u = f / (2f + f);
        float u2 = u * u;
        float s = u2 * ((1f / 3f) + (u2 * ((1f / 5f) + (u2 * ((1f / 7f) + (u2 * ((1f / 9f) + (u2 * (1f / 11f)))))))));
        float ef = e;
        return (ef * Ln2High) + ((ef * Ln2Low) + (2f * u) + (2f * u * s));
    }

    /// <summary>erf x: its Maclaurin series below |x| = 1, Abramowitz–Stegun 7.1.26 up to 4, ±1 beyond (erf(4) rounds to 1).</summary>
    public static float Erf(float x)
    {
        float a = Abs(x);
        float result;
        if (a < 1f)
        {
            float z = a * a;
            float p = (1f / 76204800f) * z;
            p = (-1f / 6894720f) + p;
            p = (1f / 685440f) + (p * z);
            p = (-1f / 75600f) + (p * z);
            p = (1f / 9360f) + (p * z);
            p = (-1f / 1320f) + (p * z);
            p = (1f / 216f) + (p * z);
            p = (-1f / 42f) + (p * z);
            p = (1f / 10f) + (p * z);
            p = (-1f / 3f) + (p * z);
            p = 1f + (p * z);
            result = TwoOverSqrtPi * a * p;
        }
        else if (a < 4f)
        {
            float t = 1f / (1f + (0.3275911f * a));
            float poly = t * (0.254829592f + (t * (-0.284496736f + (t * (1.421413741f + (t * (-1.453152027f + (t * 1.061405429f))))))));
            result = 1f - (poly * Exp(-(a * a)));
        }
        else
        {
            result = float.IsNaN(a) ? a : 1f;
        }

        return x < 0f ? -result : result;
    }

    /// <summary>2^n for n in [−126, 127], built from its exponent bits.</summary>
    private static float Pow2(int n) => Interop.IntAsFloat((uint)(n + 127) << 23);
}
