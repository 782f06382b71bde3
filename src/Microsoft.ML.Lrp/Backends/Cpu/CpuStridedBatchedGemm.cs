namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// <see cref="IRelevanceBackend.GemmStridedBatched"/> on the CPU: products run one per thread when they are too small
/// to share among threads (below <see cref="BlockedGemm.ParallelThreshold"/>) or when the batch keeps every thread
/// busy (a multiple of the thread count, or at least four products per thread: the attention products of a
/// transformer's heads); otherwise one after another, each multi-threaded by <see cref="BlockedGemm"/>.
/// </summary>
internal static class CpuStridedBatchedGemm
{
    public static unsafe void Multiply(bool transA, bool transB, int m, int n, int k, int batch, ReadOnlySpan<float> a, int strideA, ReadOnlySpan<float> b, int strideB, Span<float> c, int strideC, float beta)
    {
        var lengths = StridedBatch.Check(m, n, k, batch, a.Length, strideA, b.Length, strideB, c.Length, strideC);
        int aSize = m * k, bSize = k * n, cSize = m * n;
        if (batch == 0 || cSize == 0)
        {
            return;
        }

        int threads = Environment.ProcessorCount;
        bool perThread = (long)m * n * k < BlockedGemm.ParallelThreshold || batch % threads == 0 || batch >= 4 * threads;
        if (batch == 1 || threads == 1 || !perThread)
        {
            for (int z = 0; z < batch; z++)
            {
                BlockedGemm.Multiply(transA, transB, m, n, k, a.Slice(z * strideA, aSize), b.Slice(z * strideB, bSize), c.Slice(z * strideC, cSize), beta, threads);
            }

            return;
        }

        fixed (float* pa = a, pb = b, pc = c)
        {
            // Spans cannot enter the loop body: the pinned addresses do, rebuilt into spans per product.
            nint ap = (nint)pa, bp = (nint)pb, cp = (nint)pc;
            int aLength = lengths.A, bLength = lengths.B;
            CpuParallel.ForkJoin(batch, threads, z =>
            {
                var az = new ReadOnlySpan<float>((float*)ap + ((long)z * strideA), Math.Min(aSize, aLength));
                var bz = new ReadOnlySpan<float>((float*)bp + ((long)z * strideB), Math.Min(bSize, bLength));
                var cz = new Span<float>((float*)cp + ((long)z * strideC), cSize);
                BlockedGemm.Multiply(transA, transB, m, n, k, az, bz, cz, beta, 1);
            });
        }
    }
}
