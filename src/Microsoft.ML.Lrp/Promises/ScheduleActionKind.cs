namespace Microsoft.ML.Lrp.Promises;

/// <summary>What one action of a <see cref="PromiseSchedule"/> does.</summary>
internal enum ScheduleActionKind
{
    /// <summary>Rebuilds a promised activation by running its node's forward operation.</summary>
    Replay,

    /// <summary>Propagates relevance through one node, or through a fast-forwarded chain of relevance-preserving nodes.</summary>
    Relevance,
}
