using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// Mul of two independent activations (gated MLPs), AttnLRP uniform: <c>R_a = R_b = R/2</c>, each summed back to its
/// operand's shape where it was broadcast.
/// </summary>
internal sealed class ProductSplitRule : IRelevanceRule
{
    public string Description => "AttnLrpUniform";

    public IEnumerable<string> RequiredValues(LrpNode node) => [];

    public void Propagate(RuleContext ctx)
    {
        var r = ctx.OutputRelevanceOrZeros(0);
        var half = new Tensor(r.Shape);
        ctx.Backend.Map(new Bodies.Scale(0.5f), r.Data, half.Data);
        for (int i = 0; i < 2; i++)
        {
            ctx.AddInputRelevance(i, TensorShapes.ReduceToShape(i == 0 ? half : half.Clone(), ctx.Shape(ctx.Node.Inputs[i])));
        }
    }
}
