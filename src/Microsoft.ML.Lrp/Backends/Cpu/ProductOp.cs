using System.Numerics;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary><c>a · b</c>, for running the product of two large tensors in parallel chunks through <see cref="CpuElementwise"/>.</summary>
internal readonly struct ProductOp : IBinaryElementwiseOp
{
    public float Apply(float a, float b) => a * b;

    public Vector<float> Apply(Vector<float> a, Vector<float> b) => a * b;
}
