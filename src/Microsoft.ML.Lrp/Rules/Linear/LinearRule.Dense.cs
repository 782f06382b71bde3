using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// The common case of a linear rule on a dense layer (Gemm, or MatMul with a constant weight, any number of leading
/// axes seen as rows) with one quotient of one product of the unmodified input (Epsilon): forward GEMM, one fused
/// bias-quotient-sums pass (<see cref="DenseQuotient"/>), backward GEMM, and the input relevance computed in place
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

        var backend = ctx.Backend;
        float[] weight = WeightOf(term.Weight);
        float[] zData = LinearScratch.Rent(relevance.Length);
        float[] sData = LinearScratch.Rent(relevance.Length);
        try
        {
            Layer.Forward(backend, weight, x, new Tensor(relevance.Shape, zData));
            float[] bias = BiasOf(group.Bias);
            var (relevanceSums, dots) = DenseQuotient.Run(relevance.Data, zData, bias, ctx.Batch, eps, sData);
            // The backward map overwrites every element, so the result array need not be zeroed first.
            var c = new Tensor(x.Shape, GC.AllocateUninitializedArray<float>(x.Length));
            Layer.Backward(backend, weight, new Tensor(relevance.Shape, sData), c);
            TensorPrimitives.Multiply(x.Data, c.Data, c.Data);
            if (group.Coefficient != 1f)
            {
                TensorPrimitives.Multiply(c.Data, group.Coefficient, c.Data);
            }

            for (int r = 0; r < ctx.Batch; r++)
            {
                ctx.Absorb(r, relevanceSums[r] - (group.Coefficient * dots[r]));
            }

            ctx.AddInputRelevance(0, c);
            return true;
        }
        finally
        {
            LinearScratch.Return(zData);
            LinearScratch.Return(sData);
        }
    }
}
