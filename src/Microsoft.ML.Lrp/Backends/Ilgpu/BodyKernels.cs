using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// ILGPU kernels of the rule bodies (<see cref="IlgpuBackend"/>'s <c>Bodies</c> part): one thread per output
/// element or per row, each computing the formula its CPU counterpart in <c>Cpu/Bodies</c> computes.
/// </summary>
internal static partial class BodyKernels
{
    /// <summary><c>result[n, c, k] = plane[n, k]</c>, <paramref name="block"/> = channels · size.</summary>
    public static void RepeatPlanes(Index1D i, ArrayView<float> plane, ArrayView<float> result, int size, int block)
        => result[i] = plane[((i / block) * size) + (i % size)];

    /// <summary>The source element of output element i of a strided view (<paramref name="rank"/> axes, row-major).</summary>
    private static int ViewSource(int i, ArrayView<int> shape, ArrayView<int> strides, int rank, int offset)
    {
        int rest = i, src = offset;
        for (int a = rank - 1; a >= 0; a--)
        {
            int d = shape[a];
            src += (rest % d) * strides[a];
            rest /= d;
        }

        return src;
    }

    /// <summary><c>y[i] = source[view(i)]</c>.</summary>
    public static void StridedGather(Index1D i, ArrayView<float> source, ArrayView<float> y, ArrayView<int> shape, ArrayView<int> strides, int rank, int offset)
        => y[i] = source[ViewSource(i, shape, strides, rank, offset)];

    /// <summary><c>target[view(i)] = y[i]</c> (an injective view: no two threads write one element).</summary>
    public static void StridedScatter(Index1D i, ArrayView<float> target, ArrayView<float> y, ArrayView<int> shape, ArrayView<int> strides, int rank, int offset)
        => target[ViewSource(i, shape, strides, rank, offset)] = y[i];

    /// <summary>
    /// <c>y[i] = a[i] ∘ b[bIndex(i)]</c>, bIndex from the output's shape and b's strides (0 on broadcast axes);
    /// <paramref name="op"/>: 0 Add, 1 Sub, 2 Mul, 3 Div (the values of <c>ArithmeticOp</c>).
    /// </summary>
    public static void BroadcastArithmetic(Index1D i, ArrayView<float> a, ArrayView<float> b, ArrayView<float> y, ArrayView<int> shape, ArrayView<int> strides, int rank, int op)
    {
        float bi = b[ViewSource(i, shape, strides, rank, 0)];
        float ai = a[i];
        y[i] = op == 1 ? ai - bi : op == 2 ? ai * bi : op == 3 ? ai / bi : ai + bi;
    }

    /// <summary><c>y[map[i]] = r[i]</c> (a permutation: one writer per element).</summary>
    public static void Permute(Index1D i, ArrayView<int> map, ArrayView<float> r, ArrayView<float> y)
        => y[map[i]] = r[i];
}
