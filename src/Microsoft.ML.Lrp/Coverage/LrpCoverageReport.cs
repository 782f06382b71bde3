namespace Microsoft.ML.Lrp;

/// <summary>
/// How much of an ONNX graph the relevance rules cover, from <see cref="LrpCoverage.Analyze(string)"/>. A node off
/// every relevance path (shape arithmetic, masks, other outputs' heads) needs no rule and counts as covered.
/// </summary>
public sealed class LrpCoverageReport
{
    internal LrpCoverageReport(string inputName, string outputName, LrpComposite composite, int nodes, int relevanceNodes, int coveredRelevanceNodes, IReadOnlyDictionary<string, int> unsupported)
    {
        InputName = inputName;
        OutputName = outputName;
        Composite = composite;
        Nodes = nodes;
        RelevanceNodes = relevanceNodes;
        CoveredRelevanceNodes = coveredRelevanceNodes;
        CoveredNodes = nodes - relevanceNodes + coveredRelevanceNodes;
        UnsupportedOpTypes = unsupported;
    }

    /// <summary>The explained input the analysis assumed.</summary>
    public string InputName { get; }

    /// <summary>The explained output the analysis assumed.</summary>
    public string OutputName { get; }

    /// <summary>The composite the analysis assumed.</summary>
    public LrpComposite Composite { get; }

    /// <summary>All nodes of the ONNX graph.</summary>
    public int Nodes { get; }

    /// <summary>Nodes with a rule, plus every node off the relevance paths.</summary>
    public int CoveredNodes { get; }

    /// <summary>Nodes on a relevance path from the explained output back to the explained input.</summary>
    public int RelevanceNodes { get; }

    /// <summary>Relevance-path nodes that have a rule.</summary>
    public int CoveredRelevanceNodes { get; }

    /// <summary>Op types on a relevance path without a rule (with the reason, where one applies) → node count.</summary>
    public IReadOnlyDictionary<string, int> UnsupportedOpTypes { get; }

    /// <summary><see cref="CoveredNodes"/> / <see cref="Nodes"/> (1 for an empty graph).</summary>
    public double Coverage => Nodes == 0 ? 1 : (double)CoveredNodes / Nodes;

    /// <summary>True when every relevance-path node has a rule, so the model can be explained.</summary>
    public bool IsComplete => CoveredRelevanceNodes == RelevanceNodes;

    /// <summary>One line: the coverage, the relevance-path share, and the unsupported op types.</summary>
    public override string ToString()
    {
        string line = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"LRP coverage {Coverage:P1}: {CoveredNodes}/{Nodes} nodes, {CoveredRelevanceNodes}/{RelevanceNodes} on relevance paths ({InputName} → {OutputName}, {Composite})");
        return UnsupportedOpTypes.Count == 0 ? line : $"{line}; unsupported: {string.Join(", ", UnsupportedOpTypes.Select(kv => $"{kv.Key} ×{kv.Value}"))}";
    }
}
