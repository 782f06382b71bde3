using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
    /// <paramref name="dst"/>, which must have 2 floats of room past the packed block.
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
                    int p = 0;
                    if (Avx.IsSupported)
                    {
                        // Six rows and two zero rows transposed 8 depths at a time; each 8-wide store's last two
                        // lanes are overwritten by the next (the buffer has room for the last one's).
                        for (; p + 8 <= kc; p += 8)
                        {
                            StoreTransposed(
                                Avx.LoadVector256(s0 + p),
                                Avx.LoadVector256(s1 + p),
                                Avx.LoadVector256(s2 + p),
                                Avx.LoadVector256(s3 + p),
                                Avx.LoadVector256(s4 + p),
                                Avx.LoadVector256(s5 + p),
                                Vector256<float>.Zero,
                                Vector256<float>.Zero,
                                dst,
                                mr);
                            dst += 8 * mr;
                        }
                    }

                    for (; p < kc; p++)
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

    /// <summary>
    /// B stored [n, k]: each column of op(B) is a contiguous row; transpose it into the panel. Blocks of 8 columns × 8
    /// depths go through an in-register 8 × 8 transpose (AVX), the rest element by element.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBTransposedPanel(float* b, int k, int p0, int kc, int j, int cols, int nr, float* dst)
    {
        int vectorCols = Avx.IsSupported ? cols & ~7 : 0;
        int vectorDepth = kc & ~7;
        for (int h = 0; h < vectorCols; h += 8)
        {
            float* src = b + ((long)(j + h) * k) + p0;
            for (int p = 0; p < vectorDepth; p += 8)
            {
                Transpose8x8(src + p, k, dst + ((long)p * nr) + h, nr);
            }
        }

        for (int c = 0; c < nr; c++)
        {
            float* src = b + ((long)(j + c) * k) + p0;
            float* d = dst + c;
            int p = c < vectorCols ? vectorDepth : 0;
            for (; p < kc; p++)
            {
                d[(long)p * nr] = c < cols ? src[p] : 0f;
            }
        }
    }

    /// <summary>Writes <c>dst[q · ldd + r] = src[r · lds + q]</c> for r, q in [0, 8).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, int lds, float* dst, int ldd)
        => StoreTransposed(
            Avx.LoadVector256(src),
            Avx.LoadVector256(src + lds),
            Avx.LoadVector256(src + (2 * lds)),
            Avx.LoadVector256(src + (3 * lds)),
            Avx.LoadVector256(src + (4 * lds)),
            Avx.LoadVector256(src + (5 * lds)),
            Avx.LoadVector256(src + (6 * lds)),
            Avx.LoadVector256(src + (7 * lds)),
            dst,
            ldd);

    /// <summary>
    /// Writes the 8 × 8 block whose rows are <paramref name="r0"/>…<paramref name="r7"/> transposed: lane q of row r to
    /// <c>dst[q · ldd + r]</c>, one 8-wide store per q in increasing q (so with <c>ldd &lt; 8</c> each store's tail is
    /// overwritten by the next, and the last one writes <c>8 − ldd</c> floats past <c>dst[7 · ldd + ldd − 1]</c>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTransposed(
        Vector256<float> r0,
        Vector256<float> r1,
        Vector256<float> r2,
        Vector256<float> r3,
        Vector256<float> r4,
        Vector256<float> r5,
        Vector256<float> r6,
        Vector256<float> r7,
        float* dst,
        int ldd)
    {
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + (2 * ldd), Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + (3 * ldd), Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + (4 * ldd), Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + (5 * ldd), Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + (6 * ldd), Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + (7 * ldd), Avx.Permute2x128(u3, u7, 0x31));
    }
}
