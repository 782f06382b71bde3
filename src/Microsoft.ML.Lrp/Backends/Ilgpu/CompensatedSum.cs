namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// A float sum with Neumaier's compensation term, for kernels (the ILGPU context runs in 32-bit mode: no doubles on
/// the device). <c>High + Low</c> taken in double on the host is the sum to about n·ε² of Σ|x|; a non-finite
/// <see cref="High"/> is the sum itself (the compensation is then NaN).
/// </summary>
internal readonly struct CompensatedSum(float high, float low)
{
    public float High { get; } = high;

    public float Low { get; } = low;

    /// <summary>The sum rounded to float.</summary>
    public float Value => DeviceMath.IsFinite(High) ? High + Low : High;

    /// <summary>The sum with <paramref name="v"/> added.</summary>
    public CompensatedSum Add(float v)
    {
        float t = High + v;
        float error = DeviceMath.Abs(High) >= DeviceMath.Abs(v) ? (High - t) + v : (v - t) + High;
        return new CompensatedSum(t, Low + error);
    }

    /// <summary>This sum and another (both parts).</summary>
    public CompensatedSum Add(CompensatedSum other) => Add(other.High).Add(other.Low);

    /// <summary>The host value of a high/low pair a kernel wrote: their sum in double (the high part when it is not finite).</summary>
    public static double OnHost(float high, float low) => float.IsFinite(high) ? (double)high + low : high;
}
