using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// The common case of a linear rule on a dense layer (Gemm, or MatMul with a constant weight, any number of leading
/// axes seen as rows) with one quotient of one product of the unmodified input (Epsilon): forward GEMM, one fused
/// bias-quotient-sums pass (the backend's <c>DenseQuotient</c>), backward GEMM, and the input relevance computed in place
/// in the backward result.
/// </summary>
internal sealed partial class LinearRule
{
    private bool TryPropagateSingleDenseTerm(RuleContext ctx, Tensor x, Tensor relevance, float eps)
    {
        if (Layer is not DenseLayer || _groups.Count != 1 || _groups[0].Mask != 0 || _groups[0].Terms.Count != 1)
        {
            return false;
        }

        var group = _groups[0];
        var term = group.Terms[0];
        if (term.Input != InputVariant.X || term.Sign != 1f || relevance.Length % ctx.Batch != 0 || relevance.Length / ctx.Batch % Layer.OutChannels != 0)
        {
            return false;
        }

        return PropagateSingleProduct(ctx, x, relevance, group, term, eps, denseQuotient: true);
    }
}
