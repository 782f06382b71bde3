using System.Runtime.CompilerServices;
using System.Buffers;
using System.Numerics.Tensors;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// GEMM for one or two rows of C (a vector–matrix product, e.g. a fully connected layer on a single sample), where
/// the register-tiled kernel would waste most of its rows: each row of C is a sum of scaled rows of op(B), or a
/// dot product per element when B is stored transposed. Parallel over column ranges of C.
/// </summary>
internal static unsafe class SkinnyGemm
{
    private const int ColumnChunk = 256;

    /// <summary>Multiplies (m is small); see <see cref="IRelevanceBackend.Gemm"/>.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float* a, float* b, float* c, float beta, int threads)
    {
        int chunks = (n + ColumnChunk - 1) / ColumnChunk;
        if (threads <= 1 || chunks == 1)
        {
            RunColumns(transA, transB, m, n, k, a, b, c, beta, 0, n);
            return;
        }

        CpuParallel.ForkJoin(
            chunks,
            threads,
            chunk => RunColumns(transA, transB, m, n, k, a, b, c, beta, chunk * ColumnChunk, Math.Min(n, (chunk + 1) * ColumnChunk)));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunColumns(bool transA, bool transB, int m, int n, int k, float* a, float* b, float* c, float beta, int j0, int j1)
    {
        int width = j1 - j0;
        float[] rowBuffer = ArrayPool<float>.Shared.Rent(k);
        try
        {
            Span<float> aRow = rowBuffer.AsSpan(0, k);
            for (int i = 0; i < m; i++)
            {
                for (int p = 0; p < k; p++)
                {
                    aRow[p] = transA ? a[((long)p * m) + i] : a[((long)i * k) + p];
                }

                var cRow = new Span<float>(c + ((long)i * n) + j0, width);
                if (transB)
                {
                    for (int j = 0; j < width; j++)
                    {
                        float dot = TensorPrimitives.Dot(aRow, new ReadOnlySpan<float>(b + ((long)(j0 + j) * k), k));
                        cRow[j] = beta == 0f ? dot : dot + (beta * cRow[j]);
                    }

                    continue;
                }

                if (beta == 0f)
                {
                    cRow.Clear();
                }
                else if (beta != 1f)
                {
                    TensorPrimitives.Multiply(cRow, beta, cRow);
                }

                for (int p = 0; p < k; p++)
                {
                    float s = aRow[p];
                    if (s != 0f)
                    {
                        TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(b + ((long)p * n) + j0, width), s, cRow, cRow);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rowBuffer);
        }
    }
}
