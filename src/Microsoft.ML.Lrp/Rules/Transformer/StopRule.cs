using Microsoft.ML.Lrp.Graph;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// No relevance through the node (Sin/Cos paths of rotary embeddings): what reaches its output is absorbed.
/// </summary>
internal sealed class StopRule : IRelevanceRule
{
    public string Description => "Stop";

    public IEnumerable<string> RequiredValues(LrpNode node) => [];

    public void Propagate(RuleContext ctx)
    {
        for (int o = 0; o < ctx.Node.Outputs.Count; o++)
        {
            if (ctx.OutputRelevance(o) is { } r)
            {
                ctx.Absorb(r.Data);
            }
        }
    }
}
