namespace Microsoft.ML.Lrp.Promises;

/// <summary>
/// The cost of obtaining an activation, per row: bytes ONNX Runtime hands back, elements it copies out, and the
/// element operations of replaying forward operations.
/// </summary>
internal readonly record struct PromiseCost(long Bytes, double FetchedElements, double ReplayWork)
{
    /// <summary>Relative time of fetching one element from ONNX Runtime (output allocation plus copy) against one replayed element operation.</summary>
    public const double FetchWeight = 1.0;

    public double Time => (FetchWeight * FetchedElements) + ReplayWork;

    public static PromiseCost operator +(PromiseCost a, PromiseCost b) => new(a.Bytes + b.Bytes, a.FetchedElements + b.FetchedElements, a.ReplayWork + b.ReplayWork);

    /// <summary>True when this cost beats <paramref name="other"/> under <paramref name="policy"/> (ties keep the capture).</summary>
    public bool IsBetterThan(PromiseCost other, LrpCapturePolicy policy) => policy switch
    {
        LrpCapturePolicy.MinimizeMemory => Bytes < other.Bytes || (Bytes == other.Bytes && Time < other.Time),
        LrpCapturePolicy.MinimizeTime => Time < other.Time || (Time == other.Time && Bytes < other.Bytes),
        _ => false,
    };
}
