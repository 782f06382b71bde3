namespace Microsoft.ML.Lrp.Coverage;

/// <summary>What the benchmark measured on one model.</summary>
internal sealed class ModelResult
{
    public ModelResult(CorpusEntry entry) => Entry = entry;

    public CorpusEntry Entry { get; }

    /// <summary>All nodes of the graph (after the fused-op decomposition); -1 when the analysis failed.</summary>
    public int Nodes { get; set; } = -1;

    /// <summary>Nodes on a relevance path.</summary>
    public int PathNodes { get; set; }

    /// <summary>Relevance-path nodes with a rule.</summary>
    public int CoveredPathNodes { get; set; }

    /// <summary>Unsupported op types on the relevance path → nodes (from <see cref="LrpCoverageReport.UnsupportedOpTypes"/>).</summary>
    public IReadOnlyDictionary<string, int> Unsupported { get; set; } = new Dictionary<string, int>();

    /// <summary>The explainer ran to the end and returned relevance.</summary>
    public bool Ran { get; set; }

    /// <summary>Every relevance value is finite.</summary>
    public bool Finite { get; set; }

    /// <summary>Some relevance value is not zero.</summary>
    public bool NonZero { get; set; }

    /// <summary>Largest over rows of |Σ R_input + absorbed − seed| / |seed|.</summary>
    public double ConservationError { get; set; } = double.NaN;

    /// <summary>Op types of <see cref="CorpusEntry.ExpectOnPath"/> that the explainer's relevance pass did not go through.</summary>
    public IReadOnlyList<string> SkippedOps { get; set; } = [];

    /// <summary>Seconds for the analysis, the explainer's construction and one explanation (not the diagnostic reruns with a per-node report).</summary>
    public double Seconds { get; set; }

    /// <summary>The first line of the first exception, with its type when it is not an <see cref="LrpException"/>.</summary>
    public string? Error { get; set; }

    /// <summary>Relative conservation error above which a model does not count as explained.</summary>
    public const double ConservationTolerance = 1e-2;

    /// <summary>Finite, non-zero, conserved relevance.</summary>
    public bool Explained => Ran && Finite && NonZero && ConservationError <= ConservationTolerance && SkippedOps.Count == 0;

    /// <summary>Every relevance-path node has a rule.</summary>
    public bool Complete => Nodes >= 0 && CoveredPathNodes == PathNodes;

    /// <summary>Why the model is not explained or its coverage not complete, in one line (null when it is both).</summary>
    public string? Failure => Explained
        ? (Complete ? null : Error ?? $"coverage incomplete: {string.Join(", ", Unsupported.Keys)}")
        : Error ?? (!Finite ? "non-finite relevance" : !NonZero ? "all relevance is zero"
            : SkippedOps.Count > 0 ? $"relevance skips {string.Join(", ", SkippedOps)}: no such node in the relevance pass (explained through the other paths only)"
            : $"conservation error {ConservationError:G3}");
}
