using System.Numerics;
using Microsoft.ML.Lrp.Backends;

namespace Microsoft.ML.Lrp.Promises.Replay;

/// <summary>Clip: <c>y = min(max(x, low), high)</c> (NaN stays NaN, as <c>Math.Max/Min</c>).</summary>
internal readonly struct ClipBounds(float low, float high) : IUnaryElementwiseOp
{
    public float Apply(float x) => Math.Min(Math.Max(x, low), high);

    public Vector<float> Apply(Vector<float> x) => Vector.Min(Vector.Max(x, new Vector<float>(low)), new Vector<float>(high));
}

/// <summary>HardSigmoid: <c>y = clamp(α·x + β, 0, 1)</c> (the comparisons of <c>Math.Clamp</c>: NaN stays NaN).</summary>
internal readonly struct HardSigmoidLine(float alpha, float beta) : IUnaryElementwiseOp
{
    /// <summary>The comparisons of <c>Math.Clamp(t, 0, 1)</c>, written out (its bounds check throws, which ILGPU cannot compile).</summary>
    public float Apply(float x)
    {
        float t = (alpha * x) + beta;
        return t < 0f ? 0f : t > 1f ? 1f : t;
    }

    public Vector<float> Apply(Vector<float> x)
    {
        var t = (x * alpha) + new Vector<float>(beta);
        return Vector.ConditionalSelect(Vector.LessThan(t, Vector<float>.Zero), Vector<float>.Zero, Vector.ConditionalSelect(Vector.GreaterThan(t, Vector<float>.One), Vector<float>.One, t));
    }
}

/// <summary>Where: <c>y = condition ≠ 0 ? a : b</c> (a NaN condition selects a).</summary>
internal readonly struct WhereSelect : ITernaryElementwiseOp
{
    public float Apply(float condition, float a, float b) => condition != 0f ? a : b;

    public Vector<float> Apply(Vector<float> condition, Vector<float> a, Vector<float> b)
        => Vector.ConditionalSelect(Vector.Equals(condition, Vector<float>.Zero), b, a);
}
