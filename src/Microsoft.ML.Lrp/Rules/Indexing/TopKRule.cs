using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Rules.Indexing;

/// <summary>
/// <c>TopK</c>: its values are copies of the input's selected elements, so their relevance goes back to those
/// elements (winner-takes-all); the indices output carries none. The selection is read from the node's own indices
/// output as ONNX Runtime computed it (exact, ties included).
/// </summary>
internal sealed class TopKRule : IRelevanceRule
{
    public string Description => "Route";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Outputs[1]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var r = ctx.OutputRelevanceOrZeros(0);
        var xShape = ctx.Shape(node.Inputs[0]);
        var map = IndexingMaps.GatherElements(xShape, ctx.Int64s(node.Outputs[1]), r.Shape, (int)node.Source.GetInt("axis", -1));
        ctx.AddInputRelevance(0, RoutingRule.RouteBack(ctx, map, r, xShape));
    }
}
