using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules;

namespace Microsoft.ML.Lrp.Promises;

/// <summary>
/// Fast-forwarding: a chain of relevance-preserving steps (Pass over reshapes and element-wise ops, Route over data
/// movement) is one index map from the chain end's elements to the chain start's elements, so its relevance is
/// moved in one step instead of node by node, and no intermediate relevance tensor is made.
/// </summary>
internal static class FastForward
{
    /// <summary>True when <paramref name="step"/> preserves relevance element by element (Pass without reduction, or Route).</summary>
    public static bool IsPreserving(RelevanceStep step, ShapeTable shapes)
    {
        var node = step.Node;
        if (node.Outputs.Count(o => o.Length > 0) != 1 && node.OpType != "Dropout")
        {
            return false;
        }

        var input = node.Inputs[RelevanceInput(step)];
        var output = node.Outputs[0];
        if (!shapes.Contains(input) || !shapes.Contains(output))
        {
            return false;
        }

        return step.Rule switch
        {
            PassRule => shapes.ElementsPerRow(input) == shapes.ElementsPerRow(output) && shapes.BatchAxis(input) == shapes.BatchAxis(output),
            RoutingRule => true,
            _ => false,
        };
    }

    /// <summary>The relevance-carrying input of a preserving step.</summary>
    public static int RelevanceInput(RelevanceStep step) => step.Rule is PassRule ? step.Choice.RelevanceInput : 0;

    /// <summary>
    /// The longest chain that starts at <paramref name="head"/> and follows producers upward while each link is
    /// preserving and its output feeds nothing else (and is not a tensor whose relevance is kept: <see cref="RelevancePlan.KeptRelevance"/>);
    /// empty when shorter than two steps.
    /// </summary>
    public static List<RelevanceStep> Chain(RelevancePlan plan, RelevanceStep head, IReadOnlyDictionary<LrpNode, RelevanceStep> steps)
    {
        var graph = plan.Graph;
        var chain = new List<RelevanceStep>();
        var current = head;
        while (IsPreserving(current, plan.Shapes))
        {
            chain.Add(current);
            var input = current.Node.Inputs[RelevanceInput(current)];
            var producer = graph.RelevanceProducer(input);
            if (producer is null || input == graph.ExplainedInput || plan.KeptRelevance.Contains(input) || producer.Outputs[0] != input || !steps.TryGetValue(producer, out var next)
                || graph.RelevanceConsumers(input).Count() != 1 || current.Node.Inputs.Count(i => i == input) != 1
                || producer.Outputs.Skip(1).Any(graph.IsRelevance))
            {
                break;
            }

            current = next;
        }

        return chain.Count >= 2 ? chain : [];
    }
}
