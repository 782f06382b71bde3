using System.Collections.Concurrent;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// One ILGPU accelerator (a CUDA device, or ILGPU's CPU emulator for tests) with its compiled kernels. Accelerators
/// are created once per device and kept for the process lifetime, so every kernel is compiled once per accelerator
/// however many backends use it. Kernel launches on one device are serialised by <see cref="Gate"/>.
/// </summary>
internal sealed class IlgpuDevice
{
    private static readonly Lazy<Context> SharedContext = new(() => Context.Create(builder => builder
        .Cuda()
        .CPU(new CPUDevice(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: GemmKernel.Threads * GemmKernel.Threads / 32, numMultiprocessors: 1))
        .Math(MathMode.Fast32BitOnly)
        .Optimize(OptimizationLevel.O1)));

    private static readonly ConcurrentDictionary<string, Lazy<IlgpuDevice>> Devices = new(StringComparer.Ordinal);

    private readonly ConcurrentDictionary<(string Name, Type? Op), Delegate> _kernels = new();

    private IlgpuDevice(Accelerator accelerator, string name)
    {
        Accelerator = accelerator;
        Name = name;
        Gemm = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape>(GemmKernel.Run);
        Im2Col = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, WindowShape, int>(ConvolutionKernels.Im2Col);
        Col2Im = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, WindowShape>(ConvolutionKernels.Col2Im);
        AddBias = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int>(ConvolutionKernels.AddBias);
        AverageForward = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, WindowShape, int>(PoolingKernels.AverageForward);
        AverageBackward = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, WindowShape, int>(PoolingKernels.AverageBackward);
        MaxArgmax = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, WindowShape>(PoolingKernels.MaxArgmax);
        SparseRows = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(SparseKernels.Rows);
    }

    /// <summary>The accelerator the kernels run on.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>For example <c>ILGPU CUDA:0 (NVIDIA H100)</c>.</summary>
    public string Name { get; }

    /// <summary>Serialises launches and the host transfers around them.</summary>
    public object Gate { get; } = new();

    public Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmShape> Gemm { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>, WindowShape, int> Im2Col { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>, WindowShape> Col2Im { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>, int, int> AddBias { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>, WindowShape, int> AverageForward { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>, WindowShape, int> AverageBackward { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<int>, WindowShape> MaxArgmax { get; }

    public Action<Index1D, ArrayView<int>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int> SparseRows { get; }

    /// <summary>The CUDA devices ILGPU sees, as <c>index: name</c> (empty without a driver).</summary>
    public static IReadOnlyList<string> CudaDeviceNames()
    {
        var devices = SharedContext.Value.GetCudaDevices();
        var names = new List<string>();
        for (int i = 0; i < devices.Count; i++)
        {
            names.Add($"{i}: {devices[i].Name}");
        }

        return names;
    }

    /// <summary>The accelerator of CUDA device <paramref name="index"/>, or null when there is no such device.</summary>
    public static IlgpuDevice? Cuda(int index)
    {
        var devices = SharedContext.Value.GetCudaDevices();
        if (index < 0 || index >= devices.Count)
        {
            return null;
        }

        return Devices.GetOrAdd($"cuda:{index}", _ => new Lazy<IlgpuDevice>(() =>
        {
            var device = SharedContext.Value.GetCudaDevice(index);
            return new IlgpuDevice(device.CreateAccelerator(SharedContext.Value), $"ILGPU CUDA:{index} ({device.Name})");
        })).Value;
    }

    /// <summary>
    /// ILGPU's CPU accelerator: a slow emulator used to test the kernels without a GPU, configured with one
    /// multiprocessor of 256 threads so the GEMM's 16×16 thread groups run unchanged.
    /// </summary>
    public static IlgpuDevice CpuEmulator()
        => Devices.GetOrAdd("cpu", _ => new Lazy<IlgpuDevice>(() =>
        {
            var device = SharedContext.Value.GetCPUDevice(0);
            return new IlgpuDevice(device.CreateAccelerator(SharedContext.Value), "ILGPU CPU accelerator (emulator)");
        })).Value;

    /// <summary>An element-wise kernel specialised for <typeparamref name="TOp"/>, compiled on first use.</summary>
    public TKernel Elementwise<TOp, TKernel>(string arity, Func<Accelerator, TKernel> load)
        where TKernel : Delegate
        => (TKernel)_kernels.GetOrAdd((arity, typeof(TOp)), _ => load(Accelerator));
}
