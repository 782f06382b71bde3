using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// One relevance rule bound to one node: it reads the relevance at the node's outputs and the activations it
/// declared, and writes relevance to the node's relevance-carrying inputs.
/// </summary>
internal interface IRelevanceRule
{
    /// <summary>The rule as reported (e.g. <c>ZPlus</c>, <c>Epsilon(1E-06)</c>, <c>Pass</c>).</summary>
    string Description { get; }

    /// <summary>Values (activations or computed constants) this rule reads at run time.</summary>
    IEnumerable<string> RequiredValues(LrpNode node);

    /// <summary>
    /// Values this rule uses when the plan captures them for another reader anyway, and recomputes otherwise (a
    /// linear node's own output, which spares its forward product). Only <see cref="WorthCapturing"/> makes the planner capture one.
    /// </summary>
    IEnumerable<string> OptionalValues(LrpNode node) => [];

    /// <summary>
    /// The optional values worth capturing for this rule alone when the policy favours time over memory
    /// (<see cref="LrpCapturePolicy.MinimizeTime"/>, <see cref="LrpCapturePolicy.CaptureAll"/>): fetching them costs a
    /// copy, recomputing them a full product, and using them changes the result by float rounding only.
    /// </summary>
    IEnumerable<string> WorthCapturing(LrpNode node) => [];

    /// <summary>Propagates relevance through the node.</summary>
    void Propagate(RuleContext context);
}
