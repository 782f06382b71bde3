using System.Diagnostics;
using Microsoft.ML.Lrp.Backends.Cpu;

namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>
/// Picks the relevance backend for <see cref="LrpOptions.GpuDeviceId"/> and <see cref="LrpOptions.FallbackToCpu"/>,
/// with the semantics of ML.NET's <c>ApplyOnnxModel</c>: no device id runs on the CPU; a CUDA device that ILGPU
/// sees runs the ILGPU backend on it; a missing device falls back to the CPU (with a trace line saying so) or throws.
/// <see cref="LrpOptions.IlgpuCpuAccelerator"/> runs the ILGPU backend on ILGPU's CPU accelerator whatever the device id.
/// </summary>
internal static class RelevanceBackendSelector
{
    public static IRelevanceBackend Select(LrpOptions options)
    {
        if (options.IlgpuCpuAccelerator)
        {
            var backend = new IlgpuBackend(IlgpuDevice.CpuEmulator());
            Trace.WriteLine($"Microsoft.ML.Lrp: the relevance pass runs on {backend.Name} (LrpOptions.IlgpuCpuAccelerator).");
            return backend;
        }

        return Select(options.GpuDeviceId, options.FallbackToCpu);
    }

    public static IRelevanceBackend Select(int? gpuDeviceId, bool fallbackToCpu)
    {
        if (gpuDeviceId is not int id)
        {
            return new CpuBackend();
        }

        string seen;
        try
        {
            if (IlgpuDevice.Cuda(id) is IlgpuDevice device)
            {
                var backend = new IlgpuBackend(device);
                Trace.WriteLine($"Microsoft.ML.Lrp: the relevance pass runs on {backend.Name}.");
                return backend;
            }

            var names = IlgpuDevice.CudaDeviceNames();
            seen = names.Count == 0 ? "no CUDA devices" : string.Join(", ", names);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            seen = $"CUDA could not start: {ex.Message}";
        }

        string problem = $"CUDA device {id} not found (ILGPU saw: {seen})";
        if (!fallbackToCpu)
        {
            throw new LrpException($"{problem}. Set FallbackToCpu = true to run the relevance pass on the CPU.");
        }

        var cpu = new CpuBackend();
        Trace.WriteLine($"Microsoft.ML.Lrp: {problem}; the relevance pass falls back to {cpu.Name}.");
        return cpu;
    }
}
