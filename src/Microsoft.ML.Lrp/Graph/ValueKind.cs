namespace Microsoft.ML.Lrp.Graph;

/// <summary>How a value of the graph takes part in the relevance pass.</summary>
internal enum ValueKind
{
    /// <summary>Depends on the explained input through data operands and reaches the explained output.</summary>
    Relevance,

    /// <summary>Does not depend on any graph input (initializers, Constant nodes, and what is computed from them).</summary>
    Constant,

    /// <summary>Everything else: shape arithmetic, masks, indices, other inputs, branches that miss the output.</summary>
    SidePath,
}
