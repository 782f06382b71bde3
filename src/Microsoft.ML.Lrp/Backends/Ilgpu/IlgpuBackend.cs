using ILGPU;
using ILGPU.Runtime;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// The relevance backend on an ILGPU accelerator (CUDA on a GPU; ILGPU's CPU emulator in tests): a tiled GEMM
/// (<see cref="GemmKernel"/>), im2col convolution with a batched GEMM per sample and group, pooling, sparse linear maps
/// (<see cref="SparseKernels"/>) and the shared element-wise rule bodies as generic kernels. Constants
/// (<see cref="DeclareConstant(float[])"/>: weights and their variants) are uploaded once and kept on the device; inside a
/// pass (<see cref="BeginPass"/>) the pass's tensor buffers stay on the device between operations
/// (<see cref="IlgpuWorkspace"/>); other operands are uploaded per call and other results downloaded. Device buffers
/// are pooled per backend instance. Transfers, launches and calls are
/// counted on the running call's <see cref="DeviceTrafficMeter"/>. Thread-safe: calls are serialised
/// per device.
/// </summary>
internal sealed partial class IlgpuBackend : IRelevanceBackend, IDisposable
{
    /// <summary>Largest im2col scratch per convolution call, in floats (256 MB).</summary>
    private const long ColumnBudget = 64L << 20;

    private const int SlotA = 0, SlotB = 1, SlotC = 2, SlotResult = 3, SlotColumns = 4, SlotBias = 5;

    private readonly IlgpuDevice _device;
    private readonly IlgpuBufferPool _pool;
    private readonly IlgpuConstantCache _constants;
    private bool _disposed;

    /// <summary>Creates a backend on <paramref name="device"/>; its kernels are compiled once per device.</summary>
    public IlgpuBackend(IlgpuDevice device)
    {
        _device = device;
        _constants = new IlgpuConstantCache(device.Accelerator);
        _pool = new IlgpuBufferPool(device.Accelerator, _constants);
    }

    /// <inheritdoc/>
    public string Name => _device.Name;

    /// <summary>Most GEMMs of a batch per launch: CUDA's limit on the grid's Z extent (lowered by tests).</summary>
    internal int MaxGemmsPerLaunch { get; init; } = 65535;

    private Accelerator Accelerator => _device.Accelerator;

    /// <inheritdoc/>
    public void Gemm(bool transA, bool transB, int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, float beta = 0f)
    {
        if (a.Length < (long)m * k || b.Length < (long)k * n || c.Length < (long)m * n)
        {
            throw new ArgumentException($"GEMM operands too short for {m}×{k} · {k}×{n} (A {a.Length}, B {b.Length}, C {c.Length}).");
        }

        if (m == 0 || n == 0)
        {
            return;
        }

        lock (_device.Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var av = Operand(SlotA, a[..(m * k)]);
            var bv = Operand(SlotB, b[..(k * n)]);
            var cv = beta == 0f ? _pool.Floats(SlotC, (long)m * n) : Operand(SlotC, c[..(m * n)]);
            LaunchGemm(av, bv, cv, GemmShape.Single(m, n, k, transA, transB, beta), 1);
            Download(cv, c[..(m * n)]);
        }
    }

    /// <inheritdoc/>
    public void Map<TOp>(TOp op, ReadOnlySpan<float> a, Span<float> result)
        where TOp : struct, IUnaryElementwiseOp
    {
        CheckLengths(result.Length, a.Length);
        if (result.Length == 0)
        {
            return;
        }

        lock (_device.Gate)
        {
            var kernel = _device.Elementwise<TOp, Action<Index1D, TOp, ArrayView<float>, ArrayView<float>>>(
                "unary", acc => acc.LoadAutoGroupedStreamKernel<Index1D, TOp, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.Unary));
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var av = Operand(SlotA, a);
            var rv = _pool.Floats(SlotResult, result.Length);
            Launched();
            kernel(result.Length, op, av, rv);
            Download(rv, result);
        }
    }

    /// <inheritdoc/>
    public void Map<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> result)
        where TOp : struct, IBinaryElementwiseOp
    {
        CheckLengths(result.Length, a.Length, b.Length);
        if (result.Length == 0)
        {
            return;
        }

        lock (_device.Gate)
        {
            var kernel = _device.Elementwise<TOp, Action<Index1D, TOp, ArrayView<float>, ArrayView<float>, ArrayView<float>>>(
                "binary", acc => acc.LoadAutoGroupedStreamKernel<Index1D, TOp, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.Binary));
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var av = Operand(SlotA, a);
            var bv = Operand(SlotB, b);
            var rv = _pool.Floats(SlotResult, result.Length);
            Launched();
            kernel(result.Length, op, av, bv, rv);
            Download(rv, result);
        }
    }

    /// <inheritdoc/>
    public void Map<TOp>(TOp op, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> result)
        where TOp : struct, ITernaryElementwiseOp
    {
        CheckLengths(result.Length, a.Length, b.Length, c.Length);
        if (result.Length == 0)
        {
            return;
        }

        lock (_device.Gate)
        {
            var kernel = _device.Elementwise<TOp, Action<Index1D, TOp, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>>(
                "ternary", acc => acc.LoadAutoGroupedStreamKernel<Index1D, TOp, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>>(ElementwiseKernels.Ternary));
            ObjectDisposedException.ThrowIf(_disposed, this);
            Meter?.Call();
            var av = Operand(SlotA, a);
            var bv = Operand(SlotB, b);
            var cv = Operand(SlotC, c);
            var rv = _pool.Floats(SlotResult, result.Length);
            Launched();
            kernel(result.Length, op, av, bv, cv, rv);
            Download(rv, result);
        }
    }

    /// <summary>Releases this backend's pooled device buffers (the accelerator and its kernels stay cached).</summary>
    public void Dispose()
    {
        lock (_device.Gate)
        {
            if (!_disposed)
            {
                _disposed = true;
                _pool.Dispose();
                _constants.Dispose();
            }
        }
    }

    /// <summary>
    /// Launches <paramref name="batch"/> GEMMs, in launches of at most <see cref="MaxGemmsPerLaunch"/> (CUDA's grid limit),
    /// each a whole number of A periods so every launch starts at A's first slab.
    /// </summary>
    private void LaunchGemm(ArrayView<float> a, ArrayView<float> b, ArrayView<float> c, GemmShape shape, int batch)
    {
        int gridX = (shape.N + GemmKernel.Tile - 1) / GemmKernel.Tile, gridY = (shape.M + GemmKernel.Tile - 1) / GemmKernel.Tile;
        int step = Math.Max(shape.APeriod, MaxGemmsPerLaunch / shape.APeriod * shape.APeriod);
        for (int z0 = 0; z0 < batch; z0 += step)
        {
            int count = Math.Min(step, batch - z0);
            Launched();
            var grid = new Index3D(gridX, gridY, count);
            _device.Gemm(
                new KernelConfig(grid, new Index3D(GemmKernel.Threads, GemmKernel.Threads, 1)),
                a,
                b.SubView((long)z0 * shape.BStride),
                c.SubView((long)z0 * shape.CStride),
                shape);
        }
    }

    /// <summary>Hands a result to <paramref name="host"/>: kept on the device when it is a buffer of the running pass (see IlgpuBackend.Residency.cs), else downloaded.</summary>
    private void Download(ArrayView<float> view, Span<float> host)
    {
        if (_pool.TryStoreResident(view, host))
        {
            return;
        }

        Accelerator.Synchronize();
        view.CopyToCPU(host);
        Meter?.DeviceToHost((long)host.Length * sizeof(float));
        if (IlgpuWorkspace.Current is { Verify: true })
        {
            Meter?.Untracked((long)host.Length * sizeof(float), toDevice: false, IlgpuWorkspace.CallSite());
        }
    }

    private static void CheckLengths(int resultLength, params ReadOnlySpan<int> inputLengths)
    {
        foreach (int length in inputLengths)
        {
            if (length != resultLength)
            {
                throw new ArgumentException($"Element-wise operands must have equal lengths ({length} vs result {resultLength}).");
            }
        }
    }
}
