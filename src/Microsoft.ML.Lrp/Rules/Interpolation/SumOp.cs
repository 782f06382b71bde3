using System.Numerics;
using Microsoft.ML.Lrp.Backends;

namespace Microsoft.ML.Lrp.Rules.Interpolation;

/// <summary><c>a + b</c> (accumulating a block's adjoint, adding a constant output).</summary>
internal readonly struct SumOp : IBinaryElementwiseOp
{
    public float Apply(float a, float b) => a + b;

    public Vector<float> Apply(Vector<float> a, Vector<float> b) => a + b;
}

/// <summary><c>[a ≠ 0]</c> as 1 or 0.</summary>
internal readonly struct Indicator : IUnaryElementwiseOp
{
    public float Apply(float a) => a != 0f ? 1f : 0f;

    public Vector<float> Apply(Vector<float> a) => Vector.ConditionalSelect(Vector.Equals(a, Vector<float>.Zero), Vector<float>.Zero, Vector<float>.One);
}
