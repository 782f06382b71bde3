namespace Microsoft.ML.Lrp.Tensors;

/// <summary>
/// Told by <see cref="TensorArena"/> about the tensor buffers of the pass running on this thread: a device backend's
/// pass workspace (<c>Backends/Ilgpu/IlgpuWorkspace.cs</c>) mirrors them and frees a mirror when its buffer dies.
/// None is installed on the CPU backend, so the CPU path pays one null test per allocation.
/// </summary>
internal interface ITensorArrayObserver
{
    /// <summary><paramref name="data"/> was handed out for a tensor; <paramref name="cleared"/>: it is all zeros (else its contents are undefined).</summary>
    void Allocated(float[] data, bool cleared);

    /// <summary><paramref name="data"/> is dead: the schedule released it and no live tensor shares it.</summary>
    void Released(float[] data);

    /// <summary>Host code of <c>Tensors/</c> (no backend at hand) is about to read <paramref name="data"/>: its valid copy must be on the host.</summary>
    void ReadOnHost(float[] data, string reader);
}
