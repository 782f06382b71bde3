namespace Microsoft.ML.Lrp;

/// <summary>
/// What one <see cref="LrpExplainer.Explain"/> call moved and launched on the relevance backend's device
/// (<see cref="LrpExplainer.LastDeviceTraffic"/>). All zeros on the CPU backend, which has no device.
/// </summary>
/// <param name="HostToDeviceBytes">Bytes copied from host memory to the device (operands, and constants the first time they are used).</param>
/// <param name="DeviceToHostBytes">Bytes copied from the device back to host memory (results).</param>
/// <param name="KernelLaunches">Device kernels launched.</param>
/// <param name="BackendCalls">Backend operations called (a GEMM, a convolution, an element-wise map, ...).</param>
public sealed record LrpDeviceTraffic(long HostToDeviceBytes, long DeviceToHostBytes, long KernelLaunches, long BackendCalls)
{
    /// <summary>No traffic (the CPU backend, or before the first call).</summary>
    public static LrpDeviceTraffic None { get; } = new(0, 0, 0, 0);

    /// <summary>The part of <see cref="HostToDeviceBytes"/> that uploaded constants (weights and their variants), kept on the device afterwards.</summary>
    internal long ConstantHostToDeviceBytes { get; init; }

    /// <summary>The part of <see cref="HostToDeviceBytes"/> that uploaded the pass's host-filled tensors once each (input, captures, seed).</summary>
    internal long ImportHostToDeviceBytes { get; init; }

    /// <summary>The part of <see cref="DeviceToHostBytes"/> that downloaded the pass's results (the input relevance).</summary>
    internal long ExportDeviceToHostBytes { get; init; }

    /// <summary>The part of <see cref="HostToDeviceBytes"/> that re-uploaded tensors host code wrote during the pass.</summary>
    internal long RoundTripHostToDeviceBytes { get; init; }

    /// <summary>The part of <see cref="DeviceToHostBytes"/> that host code read during the pass (host-implemented operations, host loops, checks).</summary>
    internal long RoundTripDeviceToHostBytes { get; init; }

    /// <summary>
    /// The part of <see cref="HostToDeviceBytes"/> that uploaded host arrays outside every tensor buffer of the pass
    /// (operands the pass did not allocate through its arena); recorded only when the workspace verifies.
    /// </summary>
    internal long UntrackedHostToDeviceBytes { get; init; }

    /// <summary>The part of <see cref="DeviceToHostBytes"/> that downloaded into host arrays outside every tensor buffer of the pass (scalar results such as row sums); recorded only when the workspace verifies.</summary>
    internal long UntrackedDeviceToHostBytes { get; init; }

    /// <summary>The round trips by cause, for example <c>host operation DenseQuotient: H→D 0 B, D→H 4,096 B</c> (empty when none).</summary>
    internal string RoundTrips { get; init; } = "";

    /// <inheritdoc/>
    public override string ToString()
        => $"host→device {HostToDeviceBytes:N0} B, device→host {DeviceToHostBytes:N0} B, {KernelLaunches:N0} kernel launches, {BackendCalls:N0} backend calls";
}
