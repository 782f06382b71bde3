using System.Numerics;
using Microsoft.ML.Lrp.Backends;

namespace Microsoft.ML.Lrp.Rules.Bodies;

/// <summary>
/// <c>share = R</c> where the condition holds (<paramref name="whereTrue"/>) or where it does not, else 0: the
/// routing of Where (by its condition) and Trilu (by a constant mask of the kept triangle).
/// </summary>
internal readonly struct ConditionShare(bool whereTrue) : IBinaryElementwiseOp
{
    // An int, not a bool: device kernels take blittable parameters only.
    private readonly int _whereTrue = whereTrue ? 1 : 0;

    public float Apply(float condition, float r) => (condition != 0f ? 1 : 0) == _whereTrue ? r : 0f;

    public Vector<float> Apply(Vector<float> condition, Vector<float> r)
    {
        var isFalse = Vector.Equals(condition, Vector<float>.Zero);
        return _whereTrue != 0 ? Vector.ConditionalSelect(isFalse, Vector<float>.Zero, r) : Vector.ConditionalSelect(isFalse, r, Vector<float>.Zero);
    }
}
