using System.Numerics;
using Microsoft.ML.Lrp.Backends;

namespace Microsoft.ML.Lrp.Rules.Bodies;

/// <summary><c>s = r / stab(z)</c> with <c>stab(z) = z + ε·sign(z)</c>, <c>sign(0) = +1</c>.</summary>
internal readonly struct StabilizedDivide(float epsilon) : IBinaryElementwiseOp
{
    private readonly float _epsilon = epsilon;

    public float Apply(float r, float z) => r / (z + (z >= 0 ? _epsilon : -_epsilon));

    public Vector<float> Apply(Vector<float> r, Vector<float> z)
    {
        var eps = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(z, Vector<float>.Zero), new Vector<float>(_epsilon), new Vector<float>(-_epsilon));
        return r / (z + eps);
    }

    /// <summary><c>s[i] = r[i] / stab(z[i])</c> over spans on the calling thread (a block of a larger fused loop).</summary>
    public static void Apply(StabilizedDivide op, ReadOnlySpan<float> r, ReadOnlySpan<float> z, Span<float> s)
    {
        int w = Vector<float>.Count, i = 0;
        for (; i <= s.Length - w; i += w)
        {
            op.Apply(new Vector<float>(r[i..]), new Vector<float>(z[i..])).CopyTo(s[i..]);
        }

        for (; i < s.Length; i++)
        {
            s[i] = op.Apply(r[i], z[i]);
        }
    }
}

/// <summary>
/// <c>s = [sign(zRef) matches] · r / stab(z)</c>: the masked quotient of the generalised Gamma rule
/// (<see cref="Positive"/> keeps outputs with <c>zRef &gt; 0</c>, otherwise <c>zRef &lt; 0</c>).
/// </summary>
internal readonly struct MaskedStabilizedDivide(float epsilon, bool positive) : ITernaryElementwiseOp
{
    private readonly float _epsilon = epsilon;

    // An int, not a bool: ILGPU passes op structs to kernels by value and needs blittable fields.
    private readonly int _positive = positive ? 1 : 0;

    public bool Positive => _positive != 0;

    public float Apply(float r, float z, float zRef)
    {
        bool keep = Positive ? zRef > 0 : zRef < 0;
        return keep ? r / (z + (z >= 0 ? _epsilon : -_epsilon)) : 0f;
    }

    public Vector<float> Apply(Vector<float> r, Vector<float> z, Vector<float> zRef)
    {
        var keep = Positive ? Vector.GreaterThan(zRef, Vector<float>.Zero) : Vector.LessThan(zRef, Vector<float>.Zero);
        var eps = Vector.ConditionalSelect(Vector.GreaterThanOrEqual(z, Vector<float>.Zero), new Vector<float>(_epsilon), new Vector<float>(-_epsilon));
        return Vector.ConditionalSelect(keep, r / (z + eps), Vector<float>.Zero);
    }
}

/// <summary><c>acc + c·x·y</c>: accumulates one term of a linear rule's input relevance.</summary>
internal readonly struct ScaledProductAdd(float coefficient) : ITernaryElementwiseOp
{
    private readonly float _coefficient = coefficient;

    public float Apply(float acc, float x, float y) => acc + (_coefficient * x * y);

    public Vector<float> Apply(Vector<float> acc, Vector<float> x, Vector<float> y) => acc + (new Vector<float>(_coefficient) * x * y);
}

/// <summary><c>max(x, 0)</c>.</summary>
internal readonly struct PositivePart : IUnaryElementwiseOp
{
    public float Apply(float a) => a > 0 ? a : 0f;

    public Vector<float> Apply(Vector<float> a) => Vector.Max(a, Vector<float>.Zero);
}

/// <summary><c>|x|</c> (NaN stays NaN).</summary>
internal readonly struct AbsoluteValue : IUnaryElementwiseOp
{
    public float Apply(float a) => a < 0 ? -a : a;

    public Vector<float> Apply(Vector<float> a) => Vector.Abs(a);
}

/// <summary><c>min(x, 0)</c>.</summary>
internal readonly struct NegativePart : IUnaryElementwiseOp
{
    public float Apply(float a) => a < 0 ? a : 0f;

    public Vector<float> Apply(Vector<float> a) => Vector.Min(a, Vector<float>.Zero);
}
