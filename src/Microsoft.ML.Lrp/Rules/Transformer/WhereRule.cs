using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// Where(cond, a, b): <c>R</c> goes to <c>a</c> where <c>cond</c> holds and to <c>b</c> elsewhere, summed back over
/// broadcast dimensions. A branch that carries no relevance (a constant fill such as <c>−∞</c>) absorbs its part.
/// </summary>
internal sealed class WhereRule : IRelevanceRule
{
    public string Description => "Route";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var r = ctx.OutputRelevanceOrZeros(0);
        var condition = ctx.Value(node.Inputs[0]);
        var cond = TensorShapes.BroadcastTo(condition, r.Shape).Data;
        // Each branch's share on the backend (every element written): R where the condition holds (NaN counts as
        // holding, as in ONNX's Where), R where it does not.
        var toA = new Tensor(r.Shape, TensorArena.Allocate(r.Length, clear: false));
        var toB = new Tensor(r.Shape, TensorArena.Allocate(r.Length, clear: false));
        ctx.Backend.Map(new ConditionShare(true), cond, r.Data, toA.Data);
        ctx.Backend.Map(new ConditionShare(false), cond, r.Data, toB.Data);

        var a = TensorShapes.ReduceToShape(toA, ctx.Shape(node.Inputs[1]));
        var b = TensorShapes.ReduceToShape(toB, ctx.Shape(node.Inputs[2]));
        ctx.AddInputRelevance(1, a);
        ctx.AddInputRelevance(2, b);

        // Scratch of this step: the broadcast condition and a branch's share when it was summed into a smaller copy
        // (a same-size reduction is a view, handed on above).
        TensorArena.ReleaseUnlessShared(cond, condition.Data);
        TensorArena.ReleaseUnlessShared(toA.Data, a.Data);
        TensorArena.ReleaseUnlessShared(toB.Data, b.Data);
    }
}
