using System.Numerics;

namespace Microsoft.ML.Lrp.Backends;

/// <summary>
/// An element-wise rule body written once: the scalar form runs in GPU kernels, the vector form on the CPU.
/// Both must compute the same function.
/// </summary>
internal interface IUnaryElementwiseOp
{
    float Apply(float a);

    Vector<float> Apply(Vector<float> a);
}

/// <summary>A binary element-wise rule body (see <see cref="IUnaryElementwiseOp"/>).</summary>
internal interface IBinaryElementwiseOp
{
    float Apply(float a, float b);

    Vector<float> Apply(Vector<float> a, Vector<float> b);
}

/// <summary>A ternary element-wise rule body (see <see cref="IUnaryElementwiseOp"/>).</summary>
internal interface ITernaryElementwiseOp
{
    float Apply(float a, float b, float c);

    Vector<float> Apply(Vector<float> a, Vector<float> b, Vector<float> c);
}
