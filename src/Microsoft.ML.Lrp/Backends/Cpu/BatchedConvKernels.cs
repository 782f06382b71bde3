using System.Runtime.CompilerServices;
using System.Buffers;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Ungrouped convolution of several samples as one GEMM: the samples' column matrices sit side by side in one
/// <c>[Depth, samples · OutSize]</c> matrix, so the GEMM's N is the batch's output positions rather than one
/// sample's (the late ResNet layers have only 49 per sample) and the weights are packed once per chunk instead of
/// once per sample. Forward: <c>Y_all = W · col_all</c>, then scattered to <c>[Batch, OutChannels, OutSize]</c>
/// with the bias; backward data: <c>col_all = Wᵀ · dY_all</c> with dY gathered, then folded per sample. Samples
/// are taken in chunks whose scratch fits <see cref="DefaultScratchBudget"/>.
/// </summary>
internal static unsafe class BatchedConvKernels
{
    /// <summary>Floats of scratch (column matrix plus gathered outputs) one chunk may use: 256 MB.</summary>
    public const long DefaultScratchBudget = 64L << 20;

    /// <summary>Samples per chunk: as many as fit the budget, at least one.</summary>
    public static int ChunkSamples(int batch, int depth, int outChannels, int outSize, long budget = DefaultScratchBudget)
    {
        long perSample = (long)(depth + outChannels) * outSize;
        return (int)Math.Clamp(budget / Math.Max(1, perSample), 1, Math.Max(1, batch));
    }

    /// <summary><c>y = W · unfold(x) + bias</c> (bias null: none) for ungrouped <paramref name="g"/>, in chunks of samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ConvGeometry g, in SpatialShape3 shape, float* x, float* w, float* bias, float* y, long budget = DefaultScratchBudget)
    {
        int inSize = shape.InSize, outSize = shape.OutSize, ks = shape.KernelSize;
        int inC = g.InChannels, outC = g.OutChannels, depth = inC * ks;
        int chunk = ChunkSamples(g.Batch, depth, outC, outSize, budget);
        int threads = Environment.ProcessorCount;
        SpatialShape3 s = shape;
        float[] colBuffer = ArrayPool<float>.Shared.Rent(checked((int)((long)depth * chunk * outSize)));
        float[] outBuffer = ArrayPool<float>.Shared.Rent(checked((int)((long)outC * chunk * outSize)));
        try
        {
            fixed (float* colFixed = colBuffer)
            fixed (float* outFixed = outBuffer)
            {
                float* col = colFixed, all = outFixed;
                for (int n0 = 0; n0 < g.Batch; n0 += chunk)
                {
                    int nb = Math.Min(chunk, g.Batch - n0);
                    long ld = (long)nb * outSize;
                    ParallelFor(nb * inC, threads, (long)nb * depth * outSize, item =>
                    {
                        int n = item / inC, c = item % inC;
                        float* plane = x + ((((long)(n0 + n) * inC) + c) * inSize);
                        float* dst = col + ((long)c * ks * ld) + ((long)n * outSize);
                        for (int r = 0; r < ks; r++)
                        {
                            Im2Col.UnfoldRow(s, plane, r, dst + (r * ld));
                        }
                    });
                    BlockedGemm.Multiply(false, false, outC, (int)ld, depth, w, col, all, 0f, threads);
                    ParallelFor(nb * outC, threads, (long)nb * outC * outSize, item =>
                    {
                        int n = item / outC, m = item % outC;
                        var src = new ReadOnlySpan<float>(all + ((long)m * ld) + ((long)n * outSize), outSize);
                        var dst = new Span<float>(y + ((((long)(n0 + n) * outC) + m) * outSize), outSize);
                        if (bias == null)
                        {
                            src.CopyTo(dst);
                        }
                        else
                        {
                            System.Numerics.Tensors.TensorPrimitives.Add(src, bias[m], dst);
                        }
                    });
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(colBuffer);
            ArrayPool<float>.Shared.Return(outBuffer);
        }
    }

    /// <summary><c>dx = fold(Wᵀ · dy)</c> for ungrouped <paramref name="g"/>, in chunks of samples.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardData(ConvGeometry g, in SpatialShape3 shape, float* dy, float* w, float* dx, long budget = DefaultScratchBudget)
    {
        int inSize = shape.InSize, outSize = shape.OutSize, ks = shape.KernelSize;
        int inC = g.InChannels, outC = g.OutChannels, depth = inC * ks;
        int chunk = ChunkSamples(g.Batch, depth, outC, outSize, budget);
        int threads = Environment.ProcessorCount;
        SpatialShape3 s = shape;
        float[] colBuffer = ArrayPool<float>.Shared.Rent(checked((int)((long)depth * chunk * outSize)));
        float[] inBuffer = ArrayPool<float>.Shared.Rent(checked((int)((long)outC * chunk * outSize)));
        try
        {
            fixed (float* colFixed = colBuffer)
            fixed (float* inFixed = inBuffer)
            {
                float* col = colFixed, all = inFixed;
                for (int n0 = 0; n0 < g.Batch; n0 += chunk)
                {
                    int nb = Math.Min(chunk, g.Batch - n0);
                    long ld = (long)nb * outSize;
                    ParallelFor(nb * outC, threads, (long)nb * outC * outSize, item =>
                    {
                        int n = item / outC, m = item % outC;
                        new ReadOnlySpan<float>(dy + ((((long)(n0 + n) * outC) + m) * outSize), outSize)
                            .CopyTo(new Span<float>(all + ((long)m * ld) + ((long)n * outSize), outSize));
                    });
                    BlockedGemm.Multiply(true, false, depth, (int)ld, outC, w, all, col, 0f, threads);
                    ParallelFor(nb * inC, threads, (long)nb * depth * outSize, item =>
                    {
                        int n = item / inC, c = item % inC;
                        float* plane = dx + ((((long)(n0 + n) * inC) + c) * inSize);
                        float* src = col + ((long)c * ks * ld) + ((long)n * outSize);
                        new Span<float>(plane, inSize).Clear();
                        for (int r = 0; r < ks; r++)
                        {
                            Im2Col.FoldRow(s, src + (r * ld), r, plane);
                        }
                    });
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(colBuffer);
            ArrayPool<float>.Shared.Return(inBuffer);
        }
    }

    /// <summary>Runs <paramref name="body"/> over <c>[0, count)</c>, in parallel when <paramref name="work"/> floats justify it.</summary>
    private static void ParallelFor(int count, int threads, long work, Action<int> body)
    {
        if (threads <= 1 || count < 2 || work < (1L << 16))
        {
            for (int i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}
