namespace Microsoft.ML.Lrp.Backends.Cpu;

/// <summary>
/// The options every parallel loop of the CPU relevance pass runs with: at most one worker per core. Without the
/// cap a loop may take as many workers as the .NET thread pool has, and the pool grows past the core count after
/// loops that wait on ONNX Runtime (the batch-sliced convolutions: 6 pool threads on 2 cores after the benchmark's
/// ResNet18 rows); the relevance kernels gain nothing from more workers than cores.
/// </summary>
internal static class CpuParallel
{
    public static ParallelOptions Options { get; } = new() { MaxDegreeOfParallelism = Environment.ProcessorCount };
}
