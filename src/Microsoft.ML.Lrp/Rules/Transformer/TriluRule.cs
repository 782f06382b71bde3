using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// Trilu: the adjoint of its data movement: <c>R</c> at a kept element goes to the same input element; the zeroed
/// elements (whose output is 0) absorb what reaches them.
/// </summary>
internal sealed class TriluRule : IRelevanceRule
{
    public string Description => "Route";

    public IEnumerable<string> RequiredValues(LrpNode node) => node.Inputs.Count > 1 && node.Inputs[1].Length > 0 ? [node.Inputs[1]] : [];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var r = ctx.OutputRelevanceOrZeros(0);
        long k = node.Inputs.Count > 1 && node.Inputs[1].Length > 0 ? ctx.Int64s(node.Inputs[1])[0] : 0;
        bool upper = node.Source.GetInt("upper", 1) != 0;
        int rows = r.Shape[^2], cols = r.Shape[^1];
        var rx = new Tensor(r.Shape);
        var dropped = new float[r.Length];
        for (int i = 0; i < r.Length; i++)
        {
            int col = i % cols, row = (i / cols) % rows;
            bool keep = upper ? col - row >= k : col - row <= k;
            (keep ? rx.Data : dropped)[i] = r.Data[i];
        }

        ctx.Absorb(dropped);
        ctx.AddInputRelevance(0, rx);
    }
}
