namespace Microsoft.ML.Lrp;

/// <summary>
/// How the planner obtains the activations the relevance rules read: fetched from ONNX Runtime ("captured") or
/// rebuilt on the relevance backend by replaying cheap forward operations from captured ancestors ("promised").
/// Attributions are the same under every policy; only memory and time differ.
/// </summary>
public enum LrpCapturePolicy
{
    /// <summary>Promise every activation whose rebuild needs fewer captured bytes than capturing it (the default).</summary>
    MinimizeMemory,

    /// <summary>
    /// Promise an activation only where replaying its chain is estimated cheaper than fetching it from ONNX Runtime, and
    /// capture the outputs a rule can reuse instead of recomputing (a linear layer's forward product under Epsilon).
    /// </summary>
    MinimizeTime,

    /// <summary>Capture every activation a rule reads or can reuse; nothing is rebuilt.</summary>
    CaptureAll,
}
