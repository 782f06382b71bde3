using System.Numerics;
using Microsoft.ML.Lrp.Backends;

namespace Microsoft.ML.Lrp.Engine.Taps;

/// <summary><c>r · mask</c>: the relevance a condition keeps (mask 1 on its channels, 0 elsewhere).</summary>
internal readonly struct MaskProduct : IBinaryElementwiseOp
{
    public float Apply(float a, float b) => a * b;

    public Vector<float> Apply(Vector<float> a, Vector<float> b) => a * b;
}
