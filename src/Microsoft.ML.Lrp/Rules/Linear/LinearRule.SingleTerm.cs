using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// The common case of a linear rule on a convolution with one quotient of one product (Epsilon; ZPlus after a
/// ReLU, where the <c>x⁻</c> term vanishes): forward, one fused bias-quotient-sums pass, backward, and the input
/// relevance computed in place in the backward result. Intermediates come from <see cref="LinearScratch"/>.
/// </summary>
internal sealed partial class LinearRule
{
    private bool TryPropagateSingleConvTerm(RuleContext ctx, Tensor x, Tensor relevance, float eps, bool nonNegative, bool nonPositive)
    {
        if (Layer is not ConvLayer || _groups.Count != 1 || _groups[0].Mask != 0)
        {
            return false;
        }

        var group = _groups[0];
        var active = group.Terms.Where(t => !IsZero(t.Input, nonNegative, nonPositive)).ToList();
        if (active.Count != 1 || active[0].Sign != 1f)
        {
            return false;
        }

        var term = active[0];
        bool inputIsX = term.Input == InputVariant.X
            || (term.Input == InputVariant.Positive && nonNegative)
            || (term.Input == InputVariant.Negative && nonPositive);
        if (!inputIsX)
        {
            return false;
        }

        return PropagateSingleProduct(ctx, x, relevance, group, term, eps, denseQuotient: false);
    }

    /// <summary>
    /// One product of the unmodified input with one weight variant: forward, one fused bias-quotient-sums pass
    /// (the backend's <c>DenseQuotient</c> for dense rows, <c>ChannelQuotient</c> for channel planes), backward, and the
    /// input relevance computed in place in the backward result; the absorbed relevance per row comes from the sums.
    /// </summary>
    private bool PropagateSingleProduct(RuleContext ctx, Tensor x, Tensor relevance, LinearGroup group, LinearTerm term, float eps, bool denseQuotient)
    {
        float[]? output = ReusesOutput && ctx.TryValue(ctx.Node.Outputs[0], out var y) && y.Length == relevance.Length ? y.Data : null;
        var (c, relevanceSums, dots) = SingleProduct(ctx.Backend, x, relevance, output, ctx.Batch, group, term, eps, denseQuotient);
        for (int r = 0; r < ctx.Batch; r++)
        {
            ctx.Absorb(r, relevanceSums[r] - (group.Coefficient * dots[r]));
        }

        ctx.AddInputRelevance(0, c);
        return true;
    }

    /// <summary>
    /// The input relevance <c>c = coefficient · x ∘ Wᵀ(R / (z + b + ε·sign))</c> of one product over
    /// <paramref name="rows"/> quotient rows (the backend's row grouping of <c>DenseQuotient</c>/<c>ChannelQuotient</c>),
    /// with each row's relevance sum and <c>Σ R·z/(z + b + ε·sign)</c>; <paramref name="output"/> is the captured
    /// <c>W x + b</c> when the plan kept it (null: the forward product is recomputed).
    /// </summary>
    private (Tensor C, double[] RelevanceSums, double[] Dots) SingleProduct(Backends.IRelevanceBackend backend, Tensor x, Tensor relevance, float[]? output, int rows, LinearGroup group, LinearTerm term, float eps, bool denseQuotient)
    {
        float[] weight = WeightOf(term.Weight);
        bool outputIsZ = output is not null && BiasIsZero;
        float[] zData = outputIsZ ? output! : LinearScratch.Rent(relevance.Length);
        float[] sData = LinearScratch.Rent(relevance.Length);
        try
        {
            if (output is null)
            {
                Layer.Forward(backend, weight, x, new Tensor(relevance.Shape, zData));
            }
            else if (!outputIsZ)
            {
                // The captured output carries the bias; the quotient pass wants W x alone.
                Layer.AddBias(backend, NegatedBias, new Tensor(relevance.Shape, output), new Tensor(relevance.Shape, zData));
            }

            // The bias (or its cached variant) is never modified: a device backend keeps it with the weights.
            var bias = BiasOf(group.Bias);
            backend.DeclareConstant(bias);
            var (relevanceSums, dots) = denseQuotient
                ? backend.DenseQuotient(relevance.Data, zData, bias, rows, eps, sData)
                : backend.ChannelQuotient(relevance.Data, zData, bias, rows, eps, sData);
            // The backward map overwrites every element, so the result array need not be zeroed first.
            var c = new Tensor(x.Shape, TensorArena.Allocate(x.Length, clear: false));
            Layer.Backward(backend, weight, new Tensor(relevance.Shape, sData), c);
            backend.Map(new Product(), x.Data, c.Data, c.Data);
            if (group.Coefficient != 1f)
            {
                backend.Map(new Scale(group.Coefficient), c.Data, c.Data);
            }

            return (c, relevanceSums, dots);
        }
        finally
        {
            if (!outputIsZ)
            {
                LinearScratch.Return(zData);
            }

            LinearScratch.Return(sData);
        }
    }
}
