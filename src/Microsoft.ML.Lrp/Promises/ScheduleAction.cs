namespace Microsoft.ML.Lrp.Promises;

/// <summary>
/// One action of the static schedule. Nodes are named by their index in the canonical graph's relevance nodes
/// (a replay of a side-path node: the relevance node count plus its index in <see cref="RelevancePlan.SideNodes"/>)
/// and by name, checked when a stored schedule is loaded.
/// </summary>
internal sealed record ScheduleAction
{
    public ScheduleActionKind Kind { get; init; }

    /// <summary>Replay: one node. Relevance: one node, or a fast-forwarded chain in execution order (output side first).</summary>
    public List<int> Nodes { get; init; } = [];

    /// <summary>The names of <see cref="Nodes"/>.</summary>
    public List<string> Names { get; init; } = [];

    /// <summary>Captured or rebuilt activations no later action reads: released once this action has run.</summary>
    public List<string> Release { get; init; } = [];
}
