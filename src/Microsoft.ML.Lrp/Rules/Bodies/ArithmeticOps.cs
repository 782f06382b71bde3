using System.Numerics;
using Microsoft.ML.Lrp.Backends;

namespace Microsoft.ML.Lrp.Rules.Bodies;

/// <summary><c>c · a</c>.</summary>
internal readonly struct Scale(float factor) : IUnaryElementwiseOp
{
    private readonly float _factor = factor;

    public float Apply(float a) => a * _factor;

    public Vector<float> Apply(Vector<float> a) => a * _factor;
}

/// <summary><c>a + c</c> for a constant c.</summary>
internal readonly struct Shift(float offset) : IUnaryElementwiseOp
{
    private readonly float _offset = offset;

    public float Apply(float a) => a + _offset;

    public Vector<float> Apply(Vector<float> a) => a + new Vector<float>(_offset);
}

/// <summary><c>a · b</c>.</summary>
internal readonly struct Product : IBinaryElementwiseOp
{
    public float Apply(float a, float b) => a * b;

    public Vector<float> Apply(Vector<float> a, Vector<float> b) => a * b;
}

/// <summary><c>a + b</c>.</summary>
internal readonly struct Sum : IBinaryElementwiseOp
{
    public float Apply(float a, float b) => a + b;

    public Vector<float> Apply(Vector<float> a, Vector<float> b) => a + b;
}

/// <summary><c>a − b</c>.</summary>
internal readonly struct Difference : IBinaryElementwiseOp
{
    public float Apply(float a, float b) => a - b;

    public Vector<float> Apply(Vector<float> a, Vector<float> b) => a - b;
}

/// <summary><c>acc + c · x</c>: one signed term added to an accumulator.</summary>
internal readonly struct ScaledAdd(float coefficient) : IBinaryElementwiseOp
{
    private readonly float _coefficient = coefficient;

    public float Apply(float acc, float x) => (x * _coefficient) + acc;

    public Vector<float> Apply(Vector<float> acc, Vector<float> x) => (x * _coefficient) + acc;
}

/// <summary><c>a</c> where it is finite, else <c>b</c>.</summary>
internal readonly struct FiniteOr : IBinaryElementwiseOp
{
    public float Apply(float a, float b) => float.IsFinite(a) ? a : b;

    public Vector<float> Apply(Vector<float> a, Vector<float> b)
    {
        // Finite ⇔ a − a == 0 (NaN and ±∞ give NaN).
        var finite = Vector.Equals(a - a, Vector<float>.Zero);
        return Vector.ConditionalSelect(finite, a, b);
    }
}
