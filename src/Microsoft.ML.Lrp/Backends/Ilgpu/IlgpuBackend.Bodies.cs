using ILGPU;
using ILGPU.Runtime;
using Microsoft.ML.Lrp.Backends.Bodies;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// The rule bodies of <see cref="IlgpuBackend"/>. Every operation launches ILGPU kernels
/// (<see cref="BodyKernels"/>) or composes the backend's GEMM, convolution and element-wise kernels; the reductions,
/// quotients, Norm sums and softmax/LayerNorm rules are in the <c>Reductions</c>, <c>NormSum</c> and <c>Softmax</c> parts.
/// </summary>
internal sealed partial class IlgpuBackend
{
    private const int SlotBodyA = 20, SlotBodyB = 21, SlotBodyC = 22, SlotBodyD = 23, SlotBodyResult = 24;

    /// <summary>Kernels of ones by size (the Flat rule's transposed convolution), declared constant: uploaded once.</summary>
    private readonly Dictionary<int, float[]> _onesKernels = [];

    /// <summary>No ONNX Runtime sessions here: convolutions run the span forms (ILGPU kernels).</summary>
    public bool CanBindConvolutions => false;

    /// <inheritdoc/>
    public void AddChannelBias(ReadOnlySpan<float> z, ReadOnlySpan<float> bias, int inner, Span<float> result)
    {
        if (z.Length != result.Length || inner < 1)
        {
            throw new ArgumentException($"Channel bias: z has {z.Length} elements, result {result.Length}, inner {inner}.");
        }

        if (z.IsEmpty || bias.IsEmpty)
        {
            return;
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var zv = _pool.Upload(SlotBodyResult, z);
            var bv = _pool.Upload(SlotBodyA, bias);
            _device.AddBias(z.Length, zv, bv, inner, bias.Length);
            Download(zv, result);
        }
    }

    /// <summary>Declined: the span forms run.</summary>
    public IBoundConvolution? BindConvolution(ConvGeometry g, bool transpose, float[] weight) => null;

    /// <inheritdoc/>
    public IBoundDense? BindDense(float[] weight, int outFeatures, int inFeatures) => null;

    /// <inheritdoc/>
    public void ConvBackwardDataOnes(ConvGeometry single, float[] dy, float[] dx)
    {
        float[] ones;
        lock (_onesKernels)
        {
            if (!_onesKernels.TryGetValue(single.KernelSize, out ones!))
            {
                ones = new float[single.KernelSize];
                Array.Fill(ones, 1f);
                _onesKernels.Add(single.KernelSize, ones);
                DeclareConstant(ones);
            }
        }

        ConvBackwardData(single, dy, ones, dx);
    }

    /// <inheritdoc/>
    public void RepeatPlanes(float[] plane, int batch, int channels, int size, float[] result)
    {
        long length = (long)batch * channels * size;
        if (result.Length != length || plane.Length != (long)batch * size)
        {
            throw new ArgumentException($"Repeat planes: {plane.Length} plane elements and {result.Length} result elements for {batch}×{channels}×{size}.");
        }

        if (length == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, int, int>>(
            "repeat-planes", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(BodyKernels.RepeatPlanes));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var pv = _pool.Upload(SlotBodyA, plane);
            var rv = _pool.Floats(SlotBodyResult, length);
            kernel((int)length, pv, rv, size, channels * size);
            Download(rv, result);
        }
    }

    /// <summary>A rule-body kernel, compiled once per device.</summary>
    private TKernel Kernel<TKernel>(string name, Func<Accelerator, TKernel> load)
        where TKernel : Delegate
        => _device.Elementwise<IlgpuBackend, TKernel>("bodies:" + name, load);

    /// <inheritdoc/>
    public void ReductionNorm(float[] x, float[] r, int outer, int mid, int inner, float scale, float epsilon, float[] rx, float[] absorbed)
    {
        int outputs = outer * inner;
        if (x.Length != (long)outputs * mid || r.Length != outputs || rx.Length != x.Length || absorbed.Length != outputs)
        {
            throw new ArgumentException($"Reduction Norm: x {x.Length}, r {r.Length}, rx {rx.Length}, absorbed {absorbed.Length} for [{outer}, {mid}, {inner}].");
        }

        if (x.Length == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, float>>(
            "reduction-norm",
            acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, float, float>(BodyKernels.ReductionNorm));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var xv = _pool.Upload(SlotBodyA, x);
            var rv = _pool.Upload(SlotBodyB, r);
            var rxv = _pool.Floats(SlotBodyResult, x.Length);
            var av = _pool.Floats(SlotBodyC, outputs);
            kernel(outputs, xv, rv, rxv, av, mid, inner, scale, epsilon);
            Download(rxv, rx);
            Download(av, absorbed);
        }
    }

    /// <summary>
    /// The winners by the argmax kernel into a device buffer (never to the host), then an atomic scatter-add kernel
    /// (windows may share a winner).
    /// </summary>
    public void MaxPoolScatter(PoolGeometry g, float[] x, float[] r, float[] rx)
    {
        var s = WindowShape.Of(g);
        int planes = CheckPool(g, x.Length, r.Length, s);
        if (planes == 0 || s.OutSize == 0)
        {
            Clear(rx);
            return;
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var xv = Operand(SlotA, x.AsSpan(0, planes * s.InSize));
            int outputs = planes * s.OutSize;
            var winners = _pool.Ints(SlotResult, outputs);
            Launched();
            _device.MaxArgmax(outputs, xv, winners, s);
            ScatterAdd(winners, outputs, r, rx, clear: true, lost: null);
        }
    }

    /// <inheritdoc/>
    public void GlobalMaxScatter(float[] x, float[] r, int planes, float[] rx)
    {
        if (planes == 0 || x.Length == 0)
        {
            return;
        }

        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>>(
            "global-max-scatter", acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<float>, int>(BodyKernels.GlobalMaxScatter));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var xv = _pool.Upload(SlotBodyA, x);
            var rv = _pool.Upload(SlotBodyB, r.AsSpan(0, planes));
            var rxv = _pool.Floats(SlotBodyResult, x.Length);
            kernel(planes, xv, rv, rxv, x.Length / planes);
            Download(rxv, rx);
        }
    }

    /// <inheritdoc/>
    public void StridedCopy(int offset, int[] shape, int[] strides, float[] source, float[] y, bool scatter)
    {
        long length = 1;
        foreach (int d in shape)
        {
            length *= d;
        }

        if (length == 0)
        {
            return;
        }

        string name = scatter ? "strided-scatter" : "strided-gather";
        var kernel = Kernel<Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, int, int>>(
            name,
            acc => acc.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<int>, int, int>(
                scatter ? BodyKernels.StridedScatter : BodyKernels.StridedGather));
        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // A scatter over every element of source (a permutation) overwrites it all: nothing to upload.
            var sv = scatter && length == source.Length ? _pool.Floats(SlotBodyA, length) : _pool.Upload(SlotBodyA, source);
            var yv = scatter ? _pool.Upload(SlotBodyB, y.AsSpan(0, (int)length)) : _pool.Floats(SlotBodyB, length);
            var shapeView = Descriptor(SlotBodyA, shape);
            var strideView = Descriptor(SlotBodyB, strides);
            kernel((int)length, sv, yv, shapeView, strideView, shape.Length, offset);
            if (scatter)
            {
                Download(sv, source);
            }
            else
            {
                Download(yv, y.AsSpan(0, (int)length));
            }
        }
    }

    /// <summary>One strided-batched device GEMM when the operands are evenly spaced or shared; else one per matrix.</summary>
    public void BatchedMatMul(MatMulBatch g, float[] a, float[] b, float[] z)
    {
        if (g.Strided)
        {
            GemmStridedBatched(false, false, g.M, g.N, g.K, g.Offsets.Length, a, g.AStride, b, g.BStride, z, g.M * g.N);
            return;
        }

        foreach (var (oa, ob, oz) in g.Offsets)
        {
            Gemm(false, false, g.M, g.N, g.K, a.AsSpan(oa, g.M * g.K), b.AsSpan(ob, g.K * g.N), z.AsSpan(oz, g.M * g.N));
        }
    }

    /// <summary>
    /// Per matrix: the device GEMMs <c>s·Bᵀ</c> and <c>Aᵀ·s</c> into scratch from the pass's arena (kept on the device
    /// inside a pass), then the element-wise kernel <c>R += X ⊙ G</c>.
    /// </summary>
    public void BilinearShares(MatMulBatch g, float[] a, float[] b, float[] s, float[]? ra, float[]? rb)
    {
        int m = g.M, n = g.N, k = g.K;
        if (g.Strided && (ra is null || g.AStride > 0) && (rb is null || g.BStride > 0))
        {
            // Every receiving operand is its own matrix: one strided-batched GEMM and one kernel per operand.
            int count = g.Offsets.Length;
            var scaled = new Rules.Bodies.ScaledProductAdd(1f);
            if (ra is not null)
            {
                var sbtAll = Tensors.TensorArena.Allocate(count * m * k, clear: false);
                GemmStridedBatched(false, true, m, k, n, count, s, m * n, b, g.BStride, sbtAll, m * k);
                var target = ra.AsSpan(0, sbtAll.Length);
                Map(scaled, target, a.AsSpan(0, sbtAll.Length), sbtAll, target);
                Tensors.TensorArena.Release(sbtAll);
            }

            if (rb is not null)
            {
                var atsAll = Tensors.TensorArena.Allocate(count * k * n, clear: false);
                GemmStridedBatched(true, false, k, n, m, count, a, g.AStride, s, m * n, atsAll, k * n);
                var target = rb.AsSpan(0, atsAll.Length);
                Map(scaled, target, b.AsSpan(0, atsAll.Length), atsAll, target);
                Tensors.TensorArena.Release(atsAll);
            }

            return;
        }

        // Scratch from the pass's arena, so that inside a pass it stays on the device.
        var sbt = ra is null ? null : Tensors.TensorArena.Allocate(m * k, clear: false);
        var ats = rb is null ? null : Tensors.TensorArena.Allocate(k * n, clear: false);
        var add = new Rules.Bodies.ScaledProductAdd(1f);
        foreach (var (oa, ob, os) in g.Offsets)
        {
            if (ra is not null)
            {
                Gemm(false, true, m, k, n, s.AsSpan(os, m * n), b.AsSpan(ob, k * n), sbt);
                var target = ra.AsSpan(oa, m * k);
                Map(add, target, a.AsSpan(oa, m * k), sbt, target);
            }

            if (rb is not null)
            {
                Gemm(true, false, k, n, m, a.AsSpan(oa, m * k), s.AsSpan(os, m * n), ats);
                var target = rb.AsSpan(ob, k * n);
                Map(add, target, b.AsSpan(ob, k * n), ats, target);
            }
        }

        foreach (var scratch in new[] { sbt, ats })
        {
            if (scratch is not null)
            {
                Tensors.TensorArena.Release(scratch);
            }
        }
    }

    /// <summary>Never: the rule runs its unfused steps (products, quotient, shares) as separate operations here.</summary>
    public bool BilinearFusable(MatMulBatch g, bool aCarries, bool bCarries) => false;

    /// <summary>Not fusable here (see <see cref="BilinearFusable"/>).</summary>
    public double[] BilinearFused(MatMulBatch g, float[] a, float[] b, float[] r, float factor, float epsilon, float[]? ra, float[]? rb)
        => throw new NotSupportedException("The ILGPU backend runs the bilinear rule unfused (BilinearFusable is false).");
}
