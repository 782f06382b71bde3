namespace Microsoft.ML.Lrp;

/// <summary>Statistics of a relevance plan (the figures of the DynamicLRP paper's promise table).</summary>
public sealed class LrpPlanStatistics
{
    /// <summary>Nodes in the ONNX graph.</summary>
    public int Nodes { get; init; }

    /// <summary>Nodes on a relevance path (between the explained input and the explained output).</summary>
    public int RelevanceNodes { get; init; }

    /// <summary>Tensors ONNX Runtime hands back for the rules and for rebuilding promised activations.</summary>
    public int CapturedTensors { get; init; }

    /// <summary>Bytes of those tensors per input row.</summary>
    public long CapturedBytesPerSample { get; init; }

    /// <summary>Nodes whose BatchNormalization was folded into the preceding Conv/Gemm.</summary>
    public int FoldedBatchNorms { get; init; }

    /// <summary>The capture policy the plan was built with.</summary>
    public LrpCapturePolicy CapturePolicy { get; init; }

    /// <summary>Activations a rule reads that are rebuilt by replaying forward operations instead of being captured.</summary>
    public int Promises { get; init; }

    /// <summary>
    /// Forward operations replayed to keep the promises (a promise's own node and the rebuilt intermediates between
    /// it and its captured ancestors; a node shared by several promises counts once).
    /// </summary>
    public int PromiseInternalNodes { get; init; }

    /// <summary>
    /// δ, the summed promise depth: over all promises, the length of the longest chain of replayed operations from a
    /// captured (or fed) ancestor to the promised activation. Rebuilt memory grows as O(δ·S).
    /// </summary>
    public int SummedPromiseDepth { get; init; }

    /// <summary>
    /// ρ, the promise density: the fraction of the graph's nodes that are replayed for promises
    /// (<see cref="PromiseInternalNodes"/> / <see cref="Nodes"/>), between 0 and 1.
    /// </summary>
    public double PromiseDensity { get; init; }

    /// <summary>
    /// The planned peak per input row of the tensors the relevance pass holds at once: captured activations not yet
    /// released, rebuilt activations, and relevance tensors, following the static schedule.
    /// </summary>
    public long PlannedPeakBytesPerSample { get; init; }

    /// <summary>The static schedule as JSON (what <c>LrpModel.Save</c> stores).</summary>
    internal string ScheduleJson { get; init; } = "";

    /// <inheritdoc/>
    public override string ToString()
        => $"Nodes={Nodes}, RelevanceNodes={RelevanceNodes}, CapturedTensors={CapturedTensors}, CapturedBytesPerSample={CapturedBytesPerSample}, "
         + $"Promises={Promises}, PromiseInternalNodes={PromiseInternalNodes}, SummedPromiseDepth={SummedPromiseDepth}, PromiseDensity={PromiseDensity:0.###}, "
         + $"PlannedPeakBytesPerSample={PlannedPeakBytesPerSample}, FoldedBatchNorms={FoldedBatchNorms}, CapturePolicy={CapturePolicy}";
}
