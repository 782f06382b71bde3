using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Copies blocks of the GEMM operands into the contiguous micro-panel layouts <see cref="GemmMicroKernel"/> reads:
/// A as panels of <see cref="GemmMicroKernel.Mr"/> rows (for each k, Mr consecutive values), B as panels of
/// <see cref="GemmMicroKernel.Nr"/> columns (for each k, Nr consecutive values). Rows or columns past the matrix
/// edge are filled with zeros so the kernel always runs on full tiles.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs rows <c>[i0, i0 + mc)</c>, columns <c>[p0, p0 + kc)</c> of <c>op(A)</c> (m × k) into
    /// <paramref name="dst"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transA, float* a, int m, int k, int i0, int mc, int p0, int kc, float* dst)
    {
        const int mr = GemmMicroKernel.Mr;
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            int i = i0 + ir;
            if (transA)
            {
                // A stored [k, m]: for each p the panel's rows are contiguous.
                float* src = a + ((long)p0 * m) + i;
                if (rows == mr)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        dst[0] = src[0];
                        dst[1] = src[1];
                        dst[2] = src[2];
                        dst[3] = src[3];
                        dst[4] = src[4];
                        dst[5] = src[5];
                        dst += mr;
                        src += m;
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        for (int r = 0; r < mr; r++)
                        {
                            dst[r] = r < rows ? src[r] : 0f;
                        }

                        dst += mr;
                        src += m;
                    }
                }
            }
            else
            {
                // A stored [m, k]: each row is contiguous along p.
                float* src = a + ((long)i * k) + p0;
                if (rows == mr)
                {
                    float* s0 = src, s1 = src + k, s2 = src + (2 * k), s3 = src + (3 * k), s4 = src + (4 * k), s5 = src + (5 * k);
                    for (int p = 0; p < kc; p++)
                    {
                        dst[0] = s0[p];
                        dst[1] = s1[p];
                        dst[2] = s2[p];
                        dst[3] = s3[p];
                        dst[4] = s4[p];
                        dst[5] = s5[p];
                        dst += mr;
                    }
                }
                else
                {
                    for (int p = 0; p < kc; p++)
                    {
                        for (int r = 0; r < mr; r++)
                        {
                            dst[r] = r < rows ? src[((long)r * k) + p] : 0f;
                        }

                        dst += mr;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs rows <c>[p0, p0 + kc)</c>, columns <c>[j0, j0 + nc)</c> of <c>op(B)</c> (k × n) into
    /// <paramref name="dst"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transB, float* b, int n, int k, int p0, int kc, int j0, int nc, float* dst)
    {
        int nr = GemmMicroKernel.Nr;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            int j = j0 + jr;
            if (transB)
            {
                PackBTransposedPanel(b, k, p0, kc, j, cols, nr, dst);
            }
            else
            {
                float* src = b + ((long)p0 * n) + j;
                if (cols == nr)
                {
                    for (int p = 0; p < kc; p++)
                    {
                        if (nr == 32)
                        {
                            Vector256.Store(Vector256.Load(src), dst);
                            Vector256.Store(Vector256.Load(src + 8), dst + 8);
                            Vector256.Store(Vector256.Load(src + 16), dst + 16);
                            Vector256.Store(Vector256.Load(src + 24), dst + 24);
                        }
                        else
                        {
                            new ReadOnlySpan<float>(src, nr).CopyTo(new Span<float>(dst, nr));
                        }

                        dst += nr;
                        src += n;
                    }

                    continue;
                }

                for (int p = 0; p < kc; p++)
                {
                    int c = 0;
                    for (; c < cols; c++)
                    {
                        dst[c] = src[c];
                    }

                    for (; c < nr; c++)
                    {
                        dst[c] = 0f;
                    }

                    dst += nr;
                    src += n;
                }

                continue;
            }

            dst += (long)kc * nr;
        }
    }

    /// <summary>B stored [n, k]: each column of op(B) is a contiguous row; transpose it into the panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBTransposedPanel(float* b, int k, int p0, int kc, int j, int cols, int nr, float* dst)
    {
        for (int c = 0; c < cols; c++)
        {
            float* src = b + ((long)(j + c) * k) + p0;
            float* d = dst + c;
            for (int p = 0; p < kc; p++)
            {
                d[(long)p * nr] = src[p];
            }
        }

        for (int c = cols; c < nr; c++)
        {
            float* d = dst + c;
            for (int p = 0; p < kc; p++)
            {
                d[(long)p * nr] = 0f;
            }
        }
    }
}
