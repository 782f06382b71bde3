using System.Runtime.CompilerServices;
using System.Buffers;

namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// Grouped N-d convolution as one GEMM per (sample, group): forward <c>Y_g = W_g · im2col(X_g)</c> (a 1×1, stride-1,
/// unpadded kernel multiplies X_g directly), backward data <c>dX_g = col2im(W_gᵀ · dY_g)</c>. Many small
/// products (depthwise convolutions, small spatial sizes with a batch) run in parallel with one thread each; large
/// ones run one after the other with a parallel GEMM.
/// </summary>
internal static unsafe class ConvKernels
{
    /// <summary>Multiply-adds per product below which products are run in parallel instead of inside.</summary>
    private const long SmallProduct = 1L << 22;

    /// <summary>Output channels per single-channel group up to which the direct depthwise loops beat a GEMM.</summary>
    private const int MaxDepthwiseMultiplier = 4;

    /// <summary>See <see cref="IRelevanceBackend.ConvForward"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward(ConvGeometry g, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        var plan = new Plan(g);
        Require(x.Length, (long)g.Batch * g.InChannels * plan.Shape.InSize, "x");
        Require(w.Length, (long)g.OutChannels * plan.Depth, "w");
        Require(y.Length, (long)g.Batch * g.OutChannels * plan.Shape.OutSize, "y");
        if (!bias.IsEmpty)
        {
            Require(bias.Length, g.OutChannels, "bias");
        }

        if (OrtConvKernels.TryForward(g, x, w, bias, y))
        {
            return;
        }

        bool hasBias = !bias.IsEmpty;
        fixed (float* px = x)
        fixed (float* pw = w)
        fixed (float* pb = bias)
        fixed (float* py = y)
        {
            if (plan.Batched)
            {
                BatchedConvKernels.Forward(g, plan.Shape, px, pw, hasBias ? pb : null, py);
                return;
            }

            float* xp = px, wp = pw, bp = pb, yp = py;
            plan.Run((item, threads, col) =>
            {
                int n = item / g.Group, grp = item % g.Group;
                int inSize = plan.Shape.InSize, outSize = plan.Shape.OutSize;
                float* xg = xp + ((((long)n * g.InChannels) + ((long)grp * plan.InPerGroup)) * inSize);
                float* yg = yp + ((((long)n * g.OutChannels) + ((long)grp * plan.OutPerGroup)) * outSize);
                float* wg = wp + ((long)grp * plan.OutPerGroup * plan.Depth);
                if (hasBias)
                {
                    for (int m = 0; m < plan.OutPerGroup; m++)
                    {
                        new Span<float>(yg + ((long)m * outSize), outSize).Fill(bp[(grp * plan.OutPerGroup) + m]);
                    }
                }

                if (plan.Depthwise)
                {
                    DepthwiseForward(plan, xg, wg, yg, hasBias);
                    return;
                }

                float* b = xg;
                if (!plan.Pointwise)
                {
                    Im2Col.Unfold(plan.Shape, xg, plan.InPerGroup, col, threads);
                    b = col;
                }

                BlockedGemm.Multiply(false, false, plan.OutPerGroup, outSize, plan.Depth, wg, b, yg, hasBias ? 1f : 0f, threads);
            });
        }
    }

    /// <summary>See <see cref="IRelevanceBackend.ConvBackwardData"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void BackwardData(ConvGeometry g, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
    {
        var plan = new Plan(g);
        Require(dy.Length, (long)g.Batch * g.OutChannels * plan.Shape.OutSize, "dy");
        Require(w.Length, (long)g.OutChannels * plan.Depth, "w");
        Require(dx.Length, (long)g.Batch * g.InChannels * plan.Shape.InSize, "dx");
        if (OrtConvKernels.TryBackwardData(g, dy, w, dx))
        {
            return;
        }

        fixed (float* pdy = dy)
        fixed (float* pw = w)
        fixed (float* pdx = dx)
        {
            if (plan.Batched)
            {
                BatchedConvKernels.BackwardData(g, plan.Shape, pdy, pw, pdx);
                return;
            }

            float* dyp = pdy, wp = pw, dxp = pdx;
            plan.Run((item, threads, col) =>
            {
                int n = item / g.Group, grp = item % g.Group;
                int inSize = plan.Shape.InSize, outSize = plan.Shape.OutSize;
                float* dxg = dxp + ((((long)n * g.InChannels) + ((long)grp * plan.InPerGroup)) * inSize);
                float* dyg = dyp + ((((long)n * g.OutChannels) + ((long)grp * plan.OutPerGroup)) * outSize);
                float* wg = wp + ((long)grp * plan.OutPerGroup * plan.Depth);
                if (plan.Depthwise)
                {
                    DepthwiseBackwardData(plan, dyg, wg, dxg);
                    return;
                }

                float* target = plan.Pointwise ? dxg : col;
                BlockedGemm.Multiply(true, false, plan.Depth, outSize, plan.OutPerGroup, wg, dyg, target, 0f, threads);
                if (!plan.Pointwise)
                {
                    Im2Col.Fold(plan.Shape, col, plan.InPerGroup, dxg, threads);
                }
            });
        }
    }

    /// <summary>One input channel per group: <c>y_m += Σ_r w[m, r] · unfold(x)[r]</c> without a column matrix.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DepthwiseForward(Plan plan, float* x, float* w, float* y, bool hasBias)
    {
        int outSize = plan.Shape.OutSize, ks = plan.Shape.KernelSize;
        for (int m = 0; m < plan.OutPerGroup; m++)
        {
            float* row = y + ((long)m * outSize);
            if (!hasBias)
            {
                new Span<float>(row, outSize).Clear();
            }

            for (int r = 0; r < ks; r++)
            {
                Im2Col.UnfoldRow(plan.Shape, x, r, row, accumulate: true, scale: w[(m * ks) + r]);
            }
        }
    }

    /// <summary>The transpose of <see cref="DepthwiseForward"/>: <c>dx = Σ_m Σ_r w[m, r] · fold_r(dy_m)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DepthwiseBackwardData(Plan plan, float* dy, float* w, float* dx)
    {
        int outSize = plan.Shape.OutSize, ks = plan.Shape.KernelSize;
        new Span<float>(dx, plan.Shape.InSize).Clear();
        for (int m = 0; m < plan.OutPerGroup; m++)
        {
            for (int r = 0; r < ks; r++)
            {
                Im2Col.FoldRow(plan.Shape, dy + ((long)m * outSize), r, dx, w[(m * ks) + r]);
            }
        }
    }

    private static void Require(int length, long needed, string name)
    {
        if (length < needed)
        {
            throw new ArgumentException($"Convolution tensor '{name}' has {length} elements; the geometry needs {needed}.");
        }
    }

    /// <summary>Per-convolution sizes and the choice between parallel products and parallel GEMMs.</summary>
    private sealed class Plan
    {
        private readonly int items;

        public Plan(ConvGeometry g)
        {
            if (g.Group <= 0 || g.InChannels % g.Group != 0 || g.OutChannels % g.Group != 0)
            {
                throw new ArgumentException(
                    $"Convolution channels ({g.InChannels} in, {g.OutChannels} out) must be divisible by group {g.Group}.");
            }

            Shape = new SpatialShape3(g.InSpatial, g.KernelSpatial, g.OutSpatial, g.Strides, g.PadsBegin, g.Dilations);
            InPerGroup = g.InChannels / g.Group;
            OutPerGroup = g.OutChannels / g.Group;
            Depth = InPerGroup * Shape.KernelSize;
            Pointwise = Shape.IsPointwise;
            Depthwise = InPerGroup == 1 && OutPerGroup <= MaxDepthwiseMultiplier && !Pointwise;
            items = g.Batch * g.Group;
            Batched = g.Group == 1 && g.Batch >= 2 && !Depthwise;
        }

        public SpatialShape3 Shape { get; }

        public int InPerGroup { get; }

        public int OutPerGroup { get; }

        /// <summary>The GEMM depth: input channels per group times kernel size.</summary>
        public int Depth { get; }

        public bool Pointwise { get; }

        /// <summary>One input channel and a few output channels per group: convolve directly, without GEMM.</summary>
        public bool Depthwise { get; }

        /// <summary>Ungrouped with several samples: one GEMM over the batch (<see cref="BatchedConvKernels"/>).</summary>
        public bool Batched { get; }

        /// <summary>Runs <paramref name="body"/> for every (sample, group) with its thread budget and column scratch.</summary>
        public void Run(ItemBody body)
        {
            int threads = Environment.ProcessorCount;
            long colLength = Pointwise || Depthwise ? 1 : (long)Depth * Shape.OutSize;
            long work = (long)OutPerGroup * Shape.OutSize * Depth;
            if (items >= 2 && threads > 1 && work < SmallProduct)
            {
                Parallel.For(
                    0,
                    items,
                    new ParallelOptions { MaxDegreeOfParallelism = threads },
                    () => ArrayPool<float>.Shared.Rent((int)colLength),
                    (item, _, buffer) =>
                    {
                        fixed (float* col = buffer)
                        {
                            body(item, 1, col);
                        }

                        return buffer;
                    },
                    buffer => ArrayPool<float>.Shared.Return(buffer));
                return;
            }

            float[] scratch = ArrayPool<float>.Shared.Rent((int)colLength);
            try
            {
                fixed (float* col = scratch)
                {
                    for (int item = 0; item < items; item++)
                    {
                        body(item, threads, col);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(scratch);
            }
        }
    }

    /// <summary>The work for one (sample, group) pair.</summary>
    private delegate void ItemBody(int item, int threads, float* col);
}
