using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Rules.Indexing;

/// <summary>
/// <c>GatherElements</c> and <c>GatherND</c>: data movement with indices from a tensor. Each output element's relevance
/// goes back to the data element it was copied from (<c>R_x = Aᵀ R</c> for the copy map A; elements gathered several
/// times collect the sum); the indices carry no relevance. The map is rebuilt on every call (indices usually come from
/// the row: TopK, ArgMax, NonMaxSuppression).
/// </summary>
internal sealed class GatherIndexedRule : IRelevanceRule
{
    public string Description => "Route";

    public IEnumerable<string> RequiredValues(LrpNode node) => [];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var r = ctx.OutputRelevanceOrZeros(0);
        var dataShape = ctx.Shape(node.Inputs[0]);
        var indexShape = ctx.Shape(node.Inputs[1]);
        long[] indices = ctx.Int64s(node.Inputs[1]);
        int[] map = node.OpType == "GatherND"
            ? IndexingMaps.GatherNd(dataShape, indices, indexShape, (int)node.Source.GetInt("batch_dims", 0))
            : IndexingMaps.GatherElements(dataShape, indices, indexShape, (int)node.Source.GetInt("axis", 0));
        ctx.AddInputRelevance(0, RoutingRule.RouteBack(ctx, map, r, dataShape));
    }
}
