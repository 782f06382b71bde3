using System.Numerics;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// <c>Relu(x) = x &gt; 0 ? x : 0</c> with identical scalar and vector forms (NaN and −0 give +0, as the scalar
/// comparison does), for <see cref="CpuElementwise.Map{TOp}(TOp, ReadOnlySpan{float}, Span{float})"/>.
/// </summary>
internal readonly struct ReluOp : IUnaryElementwiseOp
{
    public float Apply(float a) => a > 0f ? a : 0f;

    public Vector<float> Apply(Vector<float> a) => Vector.ConditionalSelect(Vector.GreaterThan(a, Vector<float>.Zero), a, Vector<float>.Zero);
}

/// <summary><c>LeakyRelu(x) = x ≥ 0 ? x : alpha · x</c> with identical scalar and vector forms.</summary>
internal readonly struct LeakyReluOp(float alpha) : IUnaryElementwiseOp
{
    public float Apply(float a) => a >= 0f ? a : alpha * a;

    public Vector<float> Apply(Vector<float> a) => Vector.ConditionalSelect(Vector.GreaterThanOrEqual(a, Vector<float>.Zero), a, a * alpha);
}
