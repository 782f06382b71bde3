using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>Winner takes all for MaxPool and GlobalMaxPool: each output's relevance goes to its window's maximum.</summary>
internal sealed class WinnerTakesAllRule : IRelevanceRule
{
    public string Description => "WinnerTakesAll";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var x = ctx.Value(node.Inputs[0]);
        var r = ctx.OutputRelevanceOrZeros(0);
        // Every element of the result is written by the backend.
        var rx = new Tensor(x.Shape, TensorArena.Allocate(x.Length, clear: false));
        if (node.OpType == "MaxPool")
        {
            ctx.Backend.MaxPoolScatter(PoolGeometryBuilder.Build(node, x.Shape, r.Shape), x.Data, r.Data, rx.Data);
        }
        else
        {
            ctx.Backend.GlobalMaxScatter(x.Data, r.Data, x.Shape[0] * x.Shape[1], rx.Data);
        }

        ctx.AddInputRelevance(0, rx);
    }
}
