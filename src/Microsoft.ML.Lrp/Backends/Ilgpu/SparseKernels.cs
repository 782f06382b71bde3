using ILGPU;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// <see cref="IRelevanceBackend.SparseLinear"/> on ILGPU: one thread per output element (plane × row) gathers its CSR
/// row; the transposed product runs the same kernel on the map's precomputed transpose, so no atomics are needed.
/// </summary>
internal static class SparseKernels
{
    /// <summary><c>y[p, r] = Σ_k weight[k] · x[p, column[k]]</c> for k in row r; index = p · rows + r.</summary>
    public static void Rows(Index1D index, ArrayView<int> rowStart, ArrayView<int> column, ArrayView<float> weight, ArrayView<float> x, ArrayView<float> y, int rows, int columns)
    {
        int plane = index / rows;
        int r = index - (plane * rows);
        long xBase = (long)plane * columns;
        float sum = 0f;
        int end = rowStart[r + 1];
        for (int k = rowStart[r]; k < end; k++)
        {
            sum += weight[k] * x[xBase + column[k]];
        }

        y[index] = sum;
    }
}
