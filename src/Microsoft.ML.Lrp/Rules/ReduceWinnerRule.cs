using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// Winner takes all over the reduced axes of ReduceMax / ReduceMin (axes as attribute or input, keepdims,
/// <c>noop_with_empty_axes</c>): with <c>y = max_window x</c> and <c>c = Σ_window [x = y]</c>,
/// <c>R_x = [x = y] · R / c</c> (ties split equally), like MaxPool and GlobalMaxPool. The relevance of a window
/// with no winner (a NaN) is absorbed.
/// </summary>
internal sealed class ReduceWinnerRule(bool max) : IRelevanceRule
{
    public string Description => "WinnerTakesAll";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var x = ctx.Value(node.Inputs[0]);
        int[] kept = TensorReductions.KeptShape(node.Source, x.Shape, ctx.Int64s);
        var r = ctx.OutputRelevanceOrZeros(0).Reshape(kept);

        // y from the input the rule reads (not a capture of the output), so that the winners match it exactly.
        var extremum = TensorReductions.Extremum(x, kept, max);
        var y = TensorShapes.BroadcastTo(extremum, x.Shape);
        var mask = new Tensor(x.Shape);
        ctx.Backend.Map(new WinnerMask(), x.Data, y.Data, mask.Data);
        var count = TensorShapes.ReduceToShape(mask, kept);
        var share = new Tensor(kept);
        ctx.Backend.Map(new WinnerShare(), r.Data, count.Data, share.Data);
        var absorbed = new Tensor(kept);
        ctx.Backend.Map(new UnclaimedRelevance(), r.Data, count.Data, absorbed.Data);
        ctx.Absorb(absorbed.Data);

        var rx = new Tensor(x.Shape);
        var spread = TensorShapes.BroadcastTo(share, x.Shape);
        ctx.Backend.Map(new WinnerRelevance(), x.Data, y.Data, spread.Data, rx.Data);
        ctx.AddInputRelevance(0, rx);

        // Scratch of this step; a broadcast or reduction to the same size is a view and is handed back once.
        foreach (var scratch in new[] { extremum.Data, y.Data, mask.Data, count.Data, share.Data, absorbed.Data, spread.Data }.Distinct<float[]>(ReferenceEqualityComparer.Instance))
        {
            TensorArena.Release(scratch);
        }
    }
}
