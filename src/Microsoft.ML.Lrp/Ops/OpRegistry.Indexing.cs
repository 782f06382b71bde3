using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules;
using Microsoft.ML.Lrp.Rules.Indexing;

namespace Microsoft.ML.Lrp.Ops;

/// <summary>Rows of indexing, scatter and selection ops (detection heads and the like).</summary>
internal static partial class OpRegistry
{
    private static IEnumerable<OpInfo> IndexingRows() =>
    [
        new OpInfo("GatherElements") { DataInput = FirstOnly, Rule = _ => OpRuleDecision.Own(_ => new GatherIndexedRule()) },
        new OpInfo("GatherND") { DataInput = FirstOnly, Rule = _ => OpRuleDecision.Own(_ => new GatherIndexedRule()) },
        new OpInfo("ScatterElements") { DataInput = NotIndices, Rule = ScatterChoice },
        new OpInfo("ScatterND") { DataInput = NotIndices, Rule = ScatterChoice },
        new OpInfo("TopK") { DataInput = FirstOnly, DataOutput = FirstOnlyOutput, Rule = _ => OpRuleDecision.Own(_ => new TopKRule()) },
        .. SideOnly("NonMaxSuppression"),
    ];

    private static bool NotIndices(Onnx.OnnxNode node, int index) => index != 1;

    private static OpRuleDecision ScatterChoice(OpRuleQuery q)
    {
        string reduction = q.Node.Source.GetString("reduction", "none");
        return reduction switch
        {
            "none" => OpRuleDecision.Own(_ => new ScatterRule(add: false)),
            "add" => OpRuleDecision.Own(_ => new ScatterRule(add: true)),
            _ => OpRuleDecision.Refuse($"reduction '{reduction}'"),
        };
    }
}
