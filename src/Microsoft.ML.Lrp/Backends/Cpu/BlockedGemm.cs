using System.Runtime.CompilerServices;
using System.Buffers;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Row-major single-precision GEMM, <c>C[m,n] = op(A)[m,k] · op(B)[k,n] + beta · C</c>, cache-blocked in the
/// usual Goto/BLIS way: B is packed in <see cref="Kc"/> × <see cref="Nc"/> blocks (L3), A in <see cref="Mc"/> ×
/// <see cref="Kc"/> blocks (L2), and <see cref="GemmMicroKernel"/> runs on the packed micro-panels. Large products
/// are split into a grid of C tiles run with <see cref="CpuParallel.ForkJoin"/>; very thin products
/// go to <see cref="SkinnyGemm"/>.
/// </summary>
internal static unsafe class BlockedGemm
{
    /// <summary>Depth of a packed block (the k extent of one pass of micro-kernels).</summary>
    public const int Kc = 256;

    /// <summary>Rows of a packed A block (a multiple of <see cref="GemmMicroKernel.Mr"/>).</summary>
    public const int Mc = 144;

    /// <summary>Columns of a packed B block.</summary>
    public const int Nc = 2048;

    /// <summary>Below this many multiply-adds a product runs on the calling thread only.</summary>
    public const long ParallelThreshold = 1L << 20;

    /// <summary>B micro-panels packed together when a tile's rows fit one A block (64 columns: 64 KiB at <see cref="Kc"/>).</summary>
    private const int PanelGroup = 4;

    /// <summary>
    /// Multiplies; see <see cref="IRelevanceBackend.Gemm"/>. <paramref name="maxThreads"/> caps the parallelism
    /// (1 when the caller already runs in parallel).
    /// </summary>
    public static void Multiply(
        bool transA, bool transB, int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, float beta, int maxThreads)
    {
        Validate(m, n, k, a.Length, b.Length, c.Length);
        if (m == 0 || n == 0)
        {
            return;
        }

        fixed (float* pa = a)
        fixed (float* pb = b)
        fixed (float* pc = c)
        {
            Multiply(transA, transB, m, n, k, pa, pb, pc, beta, maxThreads);
        }
    }

    /// <summary>Pointer form of <see cref="Multiply(bool, bool, int, int, int, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, float, int)"/>.</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float* a, float* b, float* c, float beta, int maxThreads)
    {
        if (m == 0 || n == 0)
        {
            return;
        }

        if (k == 0)
        {
            ScaleC(c, (long)m * n, beta);
            return;
        }

        if (n == 1 && m > 1)
        {
            // C is a column vector, so its memory is also that of Cᵀ = op(B)ᵀ · op(A)ᵀ, a 1 × m product.
            (transA, transB) = (!transB, !transA);
            float* swap = a;
            a = b;
            b = swap;
            (m, n) = (n, m);
        }

        long work = (long)m * n * k;
        int threads = work < ParallelThreshold ? 1 : Math.Max(1, Math.Min(maxThreads, Environment.ProcessorCount));
        if (m <= 2)
        {
            SkinnyGemm.Multiply(transA, transB, m, n, k, a, b, c, beta, threads);
            return;
        }

        int mPanels = (m + GemmMicroKernel.Mr - 1) / GemmMicroKernel.Mr;
        int nPanels = (n + GemmMicroKernel.Nr - 1) / GemmMicroKernel.Nr;
        (int tm, int tn) = GemmPartition.Choose(mPanels, nPanels, k, threads);
        int tasks = tm * tn;
        var job = new Job(transA, transB, m, n, k, a, b, c, beta, mPanels, nPanels, tm, tn);
        if (tasks == 1)
        {
            job.RunTask(0);
        }
        else
        {
            CpuParallel.ForkJoin(tasks, threads, job.RunTask);
        }
    }

    private static void ScaleC(float* c, long count, float beta)
    {
        for (long i = 0; i < count; i++)
        {
            c[i] = beta == 0f ? 0f : beta * c[i];
        }
    }

    private static void Validate(int m, int n, int k, int aLength, int bLength, int cLength)
    {
        if (m < 0 || n < 0 || k < 0)
        {
            throw new ArgumentException($"GEMM dimensions must be non-negative (m={m}, n={n}, k={k}).");
        }

        if (aLength < (long)m * k || bLength < (long)k * n || cLength < (long)m * n)
        {
            throw new ArgumentException(
                $"GEMM operand too short for m={m}, n={n}, k={k}: |A|={aLength}, |B|={bLength}, |C|={cLength}.");
        }
    }

    /// <summary>
    /// One product split into a <c>tm × tn</c> grid of C tiles; each tile packs its own blocks. A tile whose rows fit
    /// one A block (<see cref="Mc"/>) packs B one micro-panel at a time, just before the kernels that read it, so the
    /// packed panel stays in L1 instead of making a round trip through L3 as a whole <see cref="Kc"/> × <see cref="Nc"/>
    /// block.
    /// </summary>
    private sealed class Job(
        bool transA, bool transB, int m, int n, int k, float* a, float* b, float* c, float beta, int mPanels, int nPanels, int tm, int tn)
    {
        public void RunTask(int task)
        {
            int ti = task / tn, tj = task % tn;
            int mr = GemmMicroKernel.Mr, nr = GemmMicroKernel.Nr;
            int i0 = Math.Min(m, SplitPoint(mPanels, tm, ti) * mr), i1 = Math.Min(m, SplitPoint(mPanels, tm, ti + 1) * mr);
            int j0 = Math.Min(n, SplitPoint(nPanels, tn, tj) * nr), j1 = Math.Min(n, SplitPoint(nPanels, tn, tj + 1) * nr);
            if (i0 >= i1 || j0 >= j1)
            {
                return;
            }

            bool panelwiseB = i1 - i0 <= Mc;
            int kcMax = Math.Min(Kc, k);
            int ncMax = panelwiseB ? PanelGroup * nr : RoundUp(Math.Min(Nc, j1 - j0), nr);
            int mcMax = RoundUp(Math.Min(Mc, i1 - i0), mr);
            float[] bufA = ArrayPool<float>.Shared.Rent((mcMax * kcMax) + 32);
            float[] bufB = ArrayPool<float>.Shared.Rent((ncMax * kcMax) + 32);
            try
            {
                fixed (float* pA = bufA)
                fixed (float* pB = bufB)
                {
                    float* packA = Align64(pA), packB = Align64(pB);
                    float* edge = stackalloc float[(GemmMicroKernel.Mr * 32) + 16];
                    float* edgeTile = Align64(edge);
                    for (int jc = j0; jc < j1; jc += Nc)
                    {
                        int nc = Math.Min(Nc, j1 - jc);
                        for (int pc = 0; pc < k; pc += Kc)
                        {
                            int kc = Math.Min(Kc, k - pc);
                            bool first = pc == 0;
                            if (!panelwiseB)
                            {
                                GemmPacking.PackB(transB, b, n, k, pc, kc, jc, nc, packB);
                            }

                            for (int ic = i0; ic < i1; ic += Mc)
                            {
                                int mc = Math.Min(Mc, i1 - ic);
                                GemmPacking.PackA(transA, a, m, k, ic, mc, pc, kc, packA);
                                RunBlock(packA, packB, panelwiseB, ic, mc, pc, jc, nc, kc, first, edgeTile);
                            }
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(bufA);
                ArrayPool<float>.Shared.Return(bufB);
            }
        }

        /// <summary>
        /// Runs the micro-kernels of one packed A block (rows <c>[ic, ic + mc)</c>) against columns
        /// <c>[jc, jc + nc)</c>: from the packed B block, or, when <paramref name="panelwiseB"/>, packing each B
        /// micro-panel into <paramref name="packB"/> just before its kernels.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void RunBlock(float* packA, float* packB, bool panelwiseB, int ic, int mc, int pc, int jc, int nc, int kc, bool first, float* edgeTile)
        {
            int mr = GemmMicroKernel.Mr, nr = GemmMicroKernel.Nr;
            bool loadC = !first || beta != 0f;
            float kernelBeta = first ? beta : 1f;
            int groupWidth = PanelGroup * nr;
            for (int jr = 0; jr < nc; jr += nr)
            {
                int cols = Math.Min(nr, nc - jr);
                float* bPanel = packB + ((long)jr * kc);
                if (panelwiseB)
                {
                    int group = jr % groupWidth;
                    bPanel = packB + ((long)group * kc);
                    if (group == 0)
                    {
                        GemmPacking.PackB(transB, b, n, k, pc, kc, jc + jr, Math.Min(groupWidth, nc - jr), packB);
                    }
                }

                for (int ir = 0; ir < mc; ir += mr)
                {
                    int rows = Math.Min(mr, mc - ir);
                    float* aPanel = packA + ((long)ir * kc);
                    float* cTile = c + ((long)(ic + ir) * n) + jc + jr;
                    if (rows == mr && cols == nr)
                    {
                        GemmMicroKernel.Run(kc, aPanel, 1, mr, bPanel, cTile, n, loadC, kernelBeta);
                        continue;
                    }

                    GemmMicroKernel.Run(kc, aPanel, 1, mr, bPanel, edgeTile, nr, false, 0f);
                    for (int r = 0; r < rows; r++)
                    {
                        float* dst = cTile + ((long)r * n);
                        float* src = edgeTile + (r * nr);
                        for (int col = 0; col < cols; col++)
                        {
                            dst[col] = loadC ? src[col] + (kernelBeta * dst[col]) : src[col];
                        }
                    }
                }
            }
        }

        private static int SplitPoint(int panels, int parts, int index) => (int)((long)panels * index / parts);

        private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

        private static float* Align64(float* p) => (float*)(((nint)p + 63) & ~(nint)63);
    }
}
