using Microsoft.ML.Lrp.Onnx;

namespace Microsoft.ML.Lrp.Graph;

/// <summary>
/// A node of the canonical graph: an ONNX node on a relevance path, possibly with a BatchNormalization folded
/// into it (then <see cref="Outputs"/> are the BatchNormalization's outputs).
/// </summary>
internal sealed class LrpNode
{
    public LrpNode(OnnxNode source, IReadOnlyList<string> outputs, OnnxNode? foldedBatchNorm)
    {
        Source = source;
        Outputs = outputs;
        FoldedBatchNorm = foldedBatchNorm;
    }

    public OnnxNode Source { get; }

    public OnnxNode? FoldedBatchNorm { get; }

    public string Name => Source.Name;

    public string OpType => Source.OpType;

    /// <summary>The op type as reported: <c>Conv+BatchNormalization</c> for a folded pair.</summary>
    public string DisplayOpType => FoldedBatchNorm is null ? OpType : $"{OpType}+BatchNormalization";

    public IReadOnlyList<string> Inputs => Source.Inputs;

    public IReadOnlyList<string> Outputs { get; }

    public override string ToString() => $"{Name} ({DisplayOpType})";
}
