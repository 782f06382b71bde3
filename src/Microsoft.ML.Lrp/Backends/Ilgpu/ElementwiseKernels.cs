using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// Generic element-wise kernels: the rule bodies the CPU backend runs (their scalar <c>Apply</c> only), one thread
/// per element. ILGPU specialises each kernel per op struct; the op's fields travel as a kernel argument.
/// </summary>
internal static class ElementwiseKernels
{
    public static void Unary<TOp>(Index1D i, TOp op, ArrayView<float> a, ArrayView<float> result)
        where TOp : struct, IUnaryElementwiseOp
        => result[i] = op.Apply(a[i]);

    public static void Binary<TOp>(Index1D i, TOp op, ArrayView<float> a, ArrayView<float> b, ArrayView<float> result)
        where TOp : struct, IBinaryElementwiseOp
        => result[i] = op.Apply(a[i], b[i]);

    public static void Ternary<TOp>(Index1D i, TOp op, ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, ArrayView<float> result)
        where TOp : struct, ITernaryElementwiseOp
        => result[i] = op.Apply(a[i], b[i], c[i]);
}
