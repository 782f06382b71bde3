using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// CumSum as a sum over windows, Norm: <c>y = A x</c> with <c>A</c> the (exclusive/reverse) prefix-sum map;
/// <c>R_x = x ⊙ Aᵀ(R / stab(A x))</c>. <c>Aᵀ</c> is the prefix sum in the opposite direction. The stabiliser's share
/// is absorbed.
/// </summary>
internal sealed class CumSumRule : IRelevanceRule
{
    public string Description => "Norm";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0], node.Inputs[1]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var x = ctx.Value(node.Inputs[0]);
        var r = ctx.OutputRelevanceOrZeros(0);
        int axis = (int)ctx.Int64s(node.Inputs[1])[0];
        axis = axis < 0 ? axis + x.Rank : axis;
        bool exclusive = node.Source.GetInt("exclusive", 0) != 0;
        bool reverse = node.Source.GetInt("reverse", 0) != 0;
        int length = x.Shape[axis];
        int inner = Tensor.ShapeSize(x.Shape.AsSpan(axis + 1));
        int outer = x.Length / (length * inner);
        // y = A x and Aᵀ s are prefix sums (the latter in the opposite direction): two backend passes.
        var y = TensorArena.Allocate(x.Length, clear: false);
        ctx.Backend.PrefixSums(x.Data, outer, length, inner, exclusive, reverse, y);
        var s = TensorArena.Allocate(x.Length, clear: false);
        ctx.Backend.Map(new StabilizedDivide(ctx.Epsilon), r.Data, y, s);
        var absorbed = TensorArena.Allocate(x.Length, clear: false);
        ctx.Backend.Map(new ScaledProductAdd(-1f), r.Data, s, y, absorbed);
        ctx.Absorb(absorbed);
        TensorArena.Release(absorbed);
        ctx.Backend.PrefixSums(s, outer, length, inner, exclusive, !reverse, y);
        var rx = new Tensor(x.Shape, TensorArena.Allocate(x.Length, clear: false));
        ctx.Backend.Map(new Product(), x.Data, y, rx.Data);
        TensorArena.Release(y);
        TensorArena.Release(s);
        ctx.AddInputRelevance(0, rx);
    }
}
