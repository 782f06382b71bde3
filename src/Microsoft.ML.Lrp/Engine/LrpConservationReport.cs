namespace Microsoft.ML.Lrp;

/// <summary>
/// Per-node relevance bookkeeping of one batch: for each node, the relevance that arrived at its outputs, the
/// relevance it passed to its inputs, and what its bias, constants and stabiliser absorbed, so that
/// <c>In = Out + Absorbed</c> per node and <c>Σ R_input + Σ absorbed = R_seed</c> over the graph.
/// </summary>
public sealed class LrpConservationReport
{
    internal LrpConservationReport(IReadOnlyList<LrpNodeConservation> nodes) => Nodes = nodes;

    /// <summary>One entry per node on a relevance path, in the order the relevance pass visited them.</summary>
    public IReadOnlyList<LrpNodeConservation> Nodes { get; }

    /// <summary>The largest <c>|In − Out − Absorbed|</c> over all nodes, relative to the node's <c>|In|</c> (or 1 when smaller).</summary>
    public double MaxRelativeError => Nodes.Count == 0 ? 0 : Nodes.Max(n => Math.Abs(n.RelevanceIn - n.RelevanceOut - n.Absorbed) / Math.Max(1.0, Math.Abs(n.RelevanceIn)));
}

/// <summary>The conservation figures of one node, summed over the batch.</summary>
/// <param name="NodeName">The ONNX node name (generated as <c>OpType_index</c> when the file has none).</param>
/// <param name="OpType">The ONNX op type (or the canonical fused type, such as <c>Conv+BatchNormalization</c>).</param>
/// <param name="Rule">The rule applied.</param>
/// <param name="RelevanceIn">Relevance arriving at the node's outputs.</param>
/// <param name="RelevanceOut">Relevance passed on to the node's relevance-carrying inputs.</param>
/// <param name="Absorbed">Relevance absorbed by bias, constant operands and the stabiliser.</param>
/// <param name="ChainOpTypes">For a fast-forward step (a chain of relevance-preserving nodes moved by one composed index map, reported under its first node), the op types of the chain's other nodes, in the order the relevance visits them; null for a node handled alone.</param>
/// <param name="DecomposedFrom">For a node written by the decomposition of a fused or quantized op (ConvInteger → Conv, LayerNormalization → primitives...), the original op type; null for a node of the model.</param>
public sealed record LrpNodeConservation(string NodeName, string OpType, string Rule, double RelevanceIn, double RelevanceOut, double Absorbed, string? DecomposedFrom = null, IReadOnlyList<string>? ChainOpTypes = null);
