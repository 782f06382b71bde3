using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// The register-blocked inner kernels of <see cref="BlockedGemm"/>: an <see cref="Mr"/> × <see cref="Nr"/> tile of
/// C accumulated in vector registers from one packed A micro-panel (<c>kc</c> columns of <see cref="Mr"/> values) and
/// one packed B micro-panel (<c>kc</c> rows of <see cref="Nr"/> values). Uses 512-bit vectors where the hardware
/// accelerates them (6 × 32 tile, 12 accumulators), else 256-bit vectors (6 × 16 tile). A is read through strides,
/// element (r, p) at <c>a[r · rs + p · cs]</c>: a packed micro-panel has <c>rs = 1, cs = Mr</c>, a row-major A
/// read in place <c>rs = lda, cs = 1</c>, so a non-transposed A needs no packed copy.
/// </summary>
internal static unsafe class GemmMicroKernel
{
    /// <summary>Rows of the register tile.</summary>
    public const int Mr = 6;

    /// <summary>Whether the 512-bit kernel is used.</summary>
    public static readonly bool Wide = Vector512.IsHardwareAccelerated;

    /// <summary>Columns of the register tile.</summary>
    public static readonly int Nr = Vector512.IsHardwareAccelerated ? 32 : 16;

    /// <summary>
    /// Computes the tile <c>acc = A · Bpanel</c> (A's element (r, p) at <c>a[r · rs + p · cs]</c>) and writes it to
    /// <paramref name="c"/> (row stride <paramref name="ldc"/>): <c>c = acc</c> when <paramref name="loadC"/> is
    /// false, else <c>c = acc + beta · c</c>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Run(int kc, float* a, nint rs, nint cs, float* b, float* c, int ldc, bool loadC, float beta)
    {
        if (Wide)
        {
            Run512(kc, a, rs, cs, b, c, ldc, loadC, beta);
        }
        else
        {
            Run256(kc, a, rs, cs, b, c, ldc, loadC, beta);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run512(int kc, float* a, nint rs, nint cs, float* b, float* c, int ldc, bool loadC, float beta)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nint rs2 = 2 * rs, rs3 = 3 * rs, rs4 = 4 * rs, rs5 = 5 * rs;
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b);
            Vector512<float> b1 = Vector512.Load(b + 16);
            Vector512<float> ar = Vector512.Create(a[0]);
            c00 = Vector512.MultiplyAddEstimate(ar, b0, c00);
            c01 = Vector512.MultiplyAddEstimate(ar, b1, c01);
            ar = Vector512.Create(a[rs]);
            c10 = Vector512.MultiplyAddEstimate(ar, b0, c10);
            c11 = Vector512.MultiplyAddEstimate(ar, b1, c11);
            ar = Vector512.Create(a[rs2]);
            c20 = Vector512.MultiplyAddEstimate(ar, b0, c20);
            c21 = Vector512.MultiplyAddEstimate(ar, b1, c21);
            ar = Vector512.Create(a[rs3]);
            c30 = Vector512.MultiplyAddEstimate(ar, b0, c30);
            c31 = Vector512.MultiplyAddEstimate(ar, b1, c31);
            ar = Vector512.Create(a[rs4]);
            c40 = Vector512.MultiplyAddEstimate(ar, b0, c40);
            c41 = Vector512.MultiplyAddEstimate(ar, b1, c41);
            ar = Vector512.Create(a[rs5]);
            c50 = Vector512.MultiplyAddEstimate(ar, b0, c50);
            c51 = Vector512.MultiplyAddEstimate(ar, b1, c51);
            a += cs;
            b += 32;
        }

        Store512(c, c00, c01, loadC, beta);
        Store512(c + ldc, c10, c11, loadC, beta);
        Store512(c + (2 * ldc), c20, c21, loadC, beta);
        Store512(c + (3 * ldc), c30, c31, loadC, beta);
        Store512(c + (4 * ldc), c40, c41, loadC, beta);
        Store512(c + (5 * ldc), c50, c51, loadC, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, Vector512<float> v0, Vector512<float> v1, bool loadC, float beta)
    {
        if (loadC)
        {
            Vector512<float> vb = Vector512.Create(beta);
            v0 = Vector512.MultiplyAddEstimate(Vector512.Load(c), vb, v0);
            v1 = Vector512.MultiplyAddEstimate(Vector512.Load(c + 16), vb, v1);
        }

        Vector512.Store(v0, c);
        Vector512.Store(v1, c + 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run256(int kc, float* a, nint rs, nint cs, float* b, float* c, int ldc, bool loadC, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        if (Sse.IsSupported)
        {
            // The tile of C is read or written once, after the loop: start bringing its lines in now.
            for (int r = 0; r < Mr; r++)
            {
                Sse.Prefetch0(c + ((long)r * ldc));
                Sse.Prefetch0(c + ((long)r * ldc) + 15);
            }
        }

        nint rs2 = 2 * rs, rs3 = 3 * rs, rs4 = 4 * rs, rs5 = 5 * rs;
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = Vector256.Load(b + 8);
            Vector256<float> ar = Vector256.Create(a[0]);
            c00 = Vector256.MultiplyAddEstimate(ar, b0, c00);
            c01 = Vector256.MultiplyAddEstimate(ar, b1, c01);
            ar = Vector256.Create(a[rs]);
            c10 = Vector256.MultiplyAddEstimate(ar, b0, c10);
            c11 = Vector256.MultiplyAddEstimate(ar, b1, c11);
            ar = Vector256.Create(a[rs2]);
            c20 = Vector256.MultiplyAddEstimate(ar, b0, c20);
            c21 = Vector256.MultiplyAddEstimate(ar, b1, c21);
            ar = Vector256.Create(a[rs3]);
            c30 = Vector256.MultiplyAddEstimate(ar, b0, c30);
            c31 = Vector256.MultiplyAddEstimate(ar, b1, c31);
            ar = Vector256.Create(a[rs4]);
            c40 = Vector256.MultiplyAddEstimate(ar, b0, c40);
            c41 = Vector256.MultiplyAddEstimate(ar, b1, c41);
            ar = Vector256.Create(a[rs5]);
            c50 = Vector256.MultiplyAddEstimate(ar, b0, c50);
            c51 = Vector256.MultiplyAddEstimate(ar, b1, c51);
            a += cs;
            b += 16;
        }

        Store256(c, c00, c01, loadC, beta);
        Store256(c + ldc, c10, c11, loadC, beta);
        Store256(c + (2 * ldc), c20, c21, loadC, beta);
        Store256(c + (3 * ldc), c30, c31, loadC, beta);
        Store256(c + (4 * ldc), c40, c41, loadC, beta);
        Store256(c + (5 * ldc), c50, c51, loadC, beta);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(float* c, Vector256<float> v0, Vector256<float> v1, bool loadC, float beta)
    {
        if (loadC)
        {
            Vector256<float> vb = Vector256.Create(beta);
            v0 = Vector256.MultiplyAddEstimate(Vector256.Load(c), vb, v0);
            v1 = Vector256.MultiplyAddEstimate(Vector256.Load(c + 8), vb, v1);
        }

        Vector256.Store(v0, c);
        Vector256.Store(v1, c + 8);
    }
}
