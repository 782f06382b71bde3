using Microsoft.ML.Lrp.Backends.Bodies;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// The Gamma rule on a layer whose input has one sign (a ReLU output, or its negative), from three products instead
/// of five. With <c>Wᵖ = W + γW⁺</c> and <c>Wⁿ = W + γW⁻ = (1+γ)W − γW⁺</c>, the output <c>W x</c> (the node's output,
/// a required value, less its bias) and one forward product <c>t = γW⁺x</c> give both denominators:
/// <c>Wᵖx = Wx + t</c>, <c>Wⁿx = (1+γ)Wx − t</c>. For <c>x ≥ 0</c> RULES.md's input relevance is
/// <c>x ⊙ (Wᵖᵀs⁺ + Wⁿᵀs⁻) = x ⊙ (Wᵀ(s⁺ + (1+γ)s⁻) + (γW⁺)ᵀ(s⁺ − s⁻))</c>, and for <c>x ≤ 0</c> the same with s⁺ and
/// s⁻ exchanged (<c>x ⊙ (Wⁿᵀs⁺ + Wᵖᵀs⁻)</c>): two transposed products, which an ungrouped convolution runs as one
/// with its weights stacked. The masks, biases and stabilisers are RULES.md's; an input of both signs takes the
/// general path.
/// </summary>
internal sealed partial class LinearRule
{
    /// <summary>True for the Gamma rule (two masked groups on <c>W ± γW^±</c>), which the fast path below replaces.</summary>
    public bool IsGamma { get; init; }

    private bool TryPropagateGamma(RuleContext ctx, Tensor x, Tensor relevance, float eps, bool nonNegative, bool nonPositive)
    {
        if (!IsGamma || !(nonNegative || nonPositive))
        {
            return false;
        }

        int length = relevance.Length, channels = Layer.OutChannels;
        bool dense = Layer is DenseLayer;
        if (!(dense || Layer is ConvLayer) || channels == 0 || length % ctx.Batch != 0
            || (dense ? length / ctx.Batch % channels != 0 : relevance.Rank < 2 || relevance.Shape[1] != channels))
        {
            return false;
        }

        // The node's output is a required value of Gamma (RequiredValues): z = W x + b without a forward product.
        if (!ctx.TryValue(ctx.Node.Outputs[0], out var output) || output.Length != length)
        {
            return false;
        }

        var backend = ctx.Backend;
        float[] t = LinearScratch.Rent(length);
        int block = Layer.PairBlock(ctx.Batch, length);
        float[] u = LinearScratch.Rent(block > 0 ? 2 * length : length);
        float[]? u2 = block > 0 ? null : LinearScratch.Rent(length);
        try
        {
            float[] scaledPositive = Layer.GammaScaledPositive(_gamma);
            Layer.Forward(backend, scaledPositive, x, new Tensor(relevance.Shape, t));
            float[] biases = Layer.GammaBiases(_gamma);
            backend.DeclareConstant(biases);
            var plan = new GammaQuotientPlan(ctx.Batch, channels, dense, ZIncludesBias: true, NonPositive: !nonNegative, block > 0 ? block : length, _gamma, eps);
            var (relevanceSums, dots) = backend.GammaQuotient(plan, relevance.Data, output.Data, t, biases, u, u2);

            // Every element of the backward result is written, so it need not be zeroed first.
            var c = new Tensor(x.Shape, TensorArena.Allocate(x.Length, clear: false));
            Layer.BackwardPair(backend, Layer.Weight, scaledPositive, relevance.Shape, u, u2, c);
            backend.Map(new Product(), x.Data, c.Data, c.Data);
            for (int r = 0; r < ctx.Batch; r++)
            {
                ctx.Absorb(r, relevanceSums[r] - dots[r]);
            }

            ctx.AddInputRelevance(0, c);
            return true;
        }
        finally
        {
            LinearScratch.Return(t);
            LinearScratch.Return(u);
            if (u2 is not null)
            {
                LinearScratch.Return(u2);
            }
        }
    }
}
