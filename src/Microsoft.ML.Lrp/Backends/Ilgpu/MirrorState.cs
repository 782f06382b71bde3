namespace Microsoft.ML.Lrp.Backends.Ilgpu;

/// <summary>Where the valid copy of a tensor buffer of a pass lives (<see cref="IlgpuWorkspace"/>).</summary>
internal enum MirrorState
{
    /// <summary>Handed out without clearing: nothing valid yet, or filled by host code (ONNX Runtime's captures, a host loop) since; uploaded when the device reads it.</summary>
    Fresh,

    /// <summary>Handed out cleared: the device copy is cleared on the device (no transfer) when first used, unless host code filled it meanwhile (then uploaded).</summary>
    Zero,

    /// <summary>The host copy is valid, the device copy is not (host code declared a write).</summary>
    Host,

    /// <summary>Host and device copies are equal.</summary>
    Both,

    /// <summary>Only the device copy is valid (an operation's result): host code must call <c>ToHost</c> before reading.</summary>
    Device,
}
