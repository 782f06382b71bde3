namespace Microsoft.ML.Lrp;

/// <summary>Statistics of a relevance plan (the figures of the DynamicLRP paper's promise table).</summary>
public sealed class LrpPlanStatistics
{
    /// <summary>Nodes in the ONNX graph.</summary>
    public int Nodes { get; init; }

    /// <summary>Nodes on a relevance path (between the explained input and the explained output).</summary>
    public int RelevanceNodes { get; init; }

    /// <summary>Tensors ONNX Runtime hands back for the rules.</summary>
    public int CapturedTensors { get; init; }

    /// <summary>Bytes of those tensors per input row.</summary>
    public long CapturedBytesPerSample { get; init; }

    /// <summary>Nodes whose BatchNormalization was folded into the preceding Conv/Gemm.</summary>
    public int FoldedBatchNorms { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"Nodes={Nodes}, RelevanceNodes={RelevanceNodes}, CapturedTensors={CapturedTensors}, CapturedBytesPerSample={CapturedBytesPerSample}, FoldedBatchNorms={FoldedBatchNorms}";
}
