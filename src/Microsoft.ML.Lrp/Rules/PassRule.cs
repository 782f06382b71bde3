using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules;

/// <summary>
/// Pass: <c>R_x = R</c>. For element-wise activations, identities, reshapes and scaling by a constant; where the
/// output is larger than the relevance operand (broadcast), relevance is summed back to the operand's shape.
/// </summary>
internal sealed class PassRule(int relevanceInput = 0) : IRelevanceRule
{
    public string Description => "Pass";

    public IEnumerable<string> RequiredValues(LrpNode node) => [];

    public void Propagate(RuleContext ctx)
    {
        var r = ctx.OutputRelevanceOrZeros(0);
        var xShape = ctx.Shape(ctx.Node.Inputs[relevanceInput]);
        // The output's relevance is dropped after this step, so the input may take over its buffer.
        ctx.AddInputRelevance(relevanceInput, TensorShapes.ReduceToShape(r, xShape));
    }
}
