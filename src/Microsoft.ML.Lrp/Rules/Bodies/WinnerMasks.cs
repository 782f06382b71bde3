using System.Numerics;
using Microsoft.ML.Lrp.Backends;

namespace Microsoft.ML.Lrp.Rules.Bodies;

/// <summary><c>max(a, b)</c>: the forward value of an element-wise Max (the value the winners equal).</summary>
internal readonly struct ElementMax : IBinaryElementwiseOp
{
    public float Apply(float a, float b) => MathF.Max(a, b);

    public Vector<float> Apply(Vector<float> a, Vector<float> b) => Vector.Max(a, b);
}

/// <summary><c>min(a, b)</c>: the forward value of an element-wise Min.</summary>
internal readonly struct ElementMin : IBinaryElementwiseOp
{
    public float Apply(float a, float b) => MathF.Min(a, b);

    public Vector<float> Apply(Vector<float> a, Vector<float> b) => Vector.Min(a, b);
}

/// <summary><c>count + [x = y]</c>: counts the operands that win an element (ties count each).</summary>
internal readonly struct WinnerCount : ITernaryElementwiseOp
{
    public float Apply(float count, float x, float y) => x == y ? count + 1f : count;

    public Vector<float> Apply(Vector<float> count, Vector<float> x, Vector<float> y)
        => count + Vector.ConditionalSelect(Vector.Equals(x, y), Vector<float>.One, Vector<float>.Zero);
}

/// <summary><c>[x = y]</c>: the winner mask of one operand (1 where it holds the output's value).</summary>
internal readonly struct WinnerMask : IBinaryElementwiseOp
{
    public float Apply(float x, float y) => x == y ? 1f : 0f;

    public Vector<float> Apply(Vector<float> x, Vector<float> y) => Vector.ConditionalSelect(Vector.Equals(x, y), Vector<float>.One, Vector<float>.Zero);
}

/// <summary><c>r / count</c> where some operand wins (<c>count &gt; 0</c>), else 0: each tied winner's equal share.</summary>
internal readonly struct WinnerShare : IBinaryElementwiseOp
{
    public float Apply(float r, float count) => count > 0f ? r / count : 0f;

    public Vector<float> Apply(Vector<float> r, Vector<float> count)
        => Vector.ConditionalSelect(Vector.GreaterThan(count, Vector<float>.Zero), r / Vector.Max(count, Vector<float>.One), Vector<float>.Zero);
}

/// <summary><c>r</c> where no operand wins (<c>count = 0</c>: a NaN output), else 0: relevance that no winner takes.</summary>
internal readonly struct UnclaimedRelevance : IBinaryElementwiseOp
{
    public float Apply(float r, float count) => count > 0f ? 0f : r;

    public Vector<float> Apply(Vector<float> r, Vector<float> count)
        => Vector.ConditionalSelect(Vector.GreaterThan(count, Vector<float>.Zero), Vector<float>.Zero, r);
}

/// <summary><c>[x = y] · s</c>: an operand's relevance, its share <c>s</c> where it wins, 0 elsewhere.</summary>
internal readonly struct WinnerRelevance : ITernaryElementwiseOp
{
    public float Apply(float x, float y, float s) => x == y ? s : 0f;

    public Vector<float> Apply(Vector<float> x, Vector<float> y, Vector<float> s) => Vector.ConditionalSelect(Vector.Equals(x, y), s, Vector<float>.Zero);
}
