using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules;

namespace Microsoft.ML.Lrp.Promises;

/// <summary>One step of the relevance pass: a node and the rule bound to it.</summary>
internal sealed record RelevanceStep(LrpNode Node, IRelevanceRule Rule, RuleChoice Choice)
{
    /// <summary>Captured values no later step reads: released once this step has run.</summary>
    public IReadOnlyList<string> ReleaseAfter { get; set; } = [];
}
