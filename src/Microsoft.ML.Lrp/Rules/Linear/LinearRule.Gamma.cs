using Microsoft.ML.Lrp.Backends.Bodies;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Linear;

/// <summary>
/// The Gamma rule from fewer products: on a layer whose input has one sign (a ReLU output, or its negative) three
/// instead of five. With <c>Wᵖ = W + γW⁺</c> and <c>Wⁿ = W + γW⁻ = (1+γ)W − γW⁺</c>, the output <c>W x</c> (the node's output,
/// a required value, less its bias) and one forward product <c>t = γW⁺x</c> give both denominators:
/// <c>Wᵖx = Wx + t</c>, <c>Wⁿx = (1+γ)Wx − t</c>. For <c>x ≥ 0</c> RULES.md's input relevance is
/// <c>x ⊙ (Wᵖᵀs⁺ + Wⁿᵀs⁻) = x ⊙ (Wᵀ(s⁺ + (1+γ)s⁻) + (γW⁺)ᵀ(s⁺ − s⁻))</c>, and for <c>x ≤ 0</c> the same with s⁺ and
/// s⁻ exchanged (<c>x ⊙ (Wⁿᵀs⁺ + Wᵖᵀs⁻)</c>): two transposed products, which an ungrouped convolution runs as one
/// with its weights stacked. An input of both signs needs two forward and three transposed products (below). The
/// masks, biases and stabilisers are RULES.md's; a batched MatMul weight takes the general path.
/// </summary>
internal sealed partial class LinearRule
{
    /// <summary>True for the Gamma rule (two masked groups on <c>W ± γW^±</c>), which the fast path below replaces.</summary>
    public bool IsGamma { get; init; }

    private bool TryPropagateGamma(RuleContext ctx, Tensor x, Tensor relevance, float eps, bool nonNegative, bool nonPositive)
    {
        if (!IsGamma)
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

        if (!nonNegative && !nonPositive)
        {
            PropagateMixedSign(ctx, x, relevance, output, dense, eps);
            return true;
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

    /// <summary>
    /// An input of both signs: <c>t = γ(W⁺x⁺ + W⁻x⁻)</c> gives <c>Wᵖx⁺ + Wⁿx⁻ = Wx + t</c> and
    /// <c>Wⁿx⁺ + Wᵖx⁻ = (1+γ)Wx − t</c> (two forward products), the fused quotient gives <c>u₁ = s⁺ + (1+γ)s⁻</c> and
    /// <c>u₂ = s⁺ − s⁻</c>, and <c>R_x = x⁺⊙(Wᵖᵀs⁺ + Wⁿᵀs⁻) + x⁻⊙(Wⁿᵀs⁺ + Wᵖᵀs⁻) = x⁺⊙(Wᵀu₁ + C) + x⁻⊙(Wᵀ(u₁ + γu₂) − C)</c>
    /// with <c>C = (γW⁺)ᵀu₂</c>: three transposed products instead of four forward and four transposed ones.
    /// </summary>
    private void PropagateMixedSign(RuleContext ctx, Tensor x, Tensor relevance, Tensor output, bool dense, float eps)
    {
        var backend = ctx.Backend;
        int length = relevance.Length;
        var shape = relevance.Shape;
        float[] t = LinearScratch.Rent(length), negativeTerm = LinearScratch.Rent(length);
        float[] u1 = LinearScratch.Rent(length), u2 = LinearScratch.Rent(length);
        float[] positive = LinearScratch.Rent(x.Length), negative = LinearScratch.Rent(x.Length), product = LinearScratch.Rent(x.Length);
        try
        {
            backend.Map(new PositivePart(), x.Data, positive);
            backend.Map(new NegativePart(), x.Data, negative);
            float[] scaledPositive = Layer.GammaScaledPositive(_gamma);
            Layer.Forward(backend, scaledPositive, new Tensor(x.Shape, positive), new Tensor(shape, t));
            Layer.Forward(backend, Layer.GammaScaledNegative(_gamma), new Tensor(x.Shape, negative), new Tensor(shape, negativeTerm));
            backend.Map(new Sum(), t, negativeTerm, t);
            float[] biases = Layer.GammaBiases(_gamma);
            backend.DeclareConstant(biases);
            var plan = new GammaQuotientPlan(ctx.Batch, Layer.OutChannels, dense, ZIncludesBias: true, NonPositive: false, length, _gamma, eps);
            var (relevanceSums, dots) = backend.GammaQuotient(plan, relevance.Data, output.Data, t, biases, u1, u2);

            // Every element of the backward result is written, so it need not be zeroed first.
            var result = new Tensor(x.Shape, TensorArena.Allocate(x.Length, clear: false));
            var other = new Tensor(x.Shape, product);
            Layer.Backward(backend, Layer.Weight, new Tensor(shape, u1), result);
            backend.Map(new Product(), positive, result.Data, result.Data);
            backend.Map(new ScaledAdd(_gamma), u1, u2, u1);
            Layer.Backward(backend, Layer.Weight, new Tensor(shape, u1), other);
            backend.Map(new ScaledProductAdd(1f), result.Data, negative, product, result.Data);
            Layer.Backward(backend, scaledPositive, new Tensor(shape, u2), other);
            backend.Map(new ScaledProductAdd(1f), result.Data, positive, product, result.Data);
            backend.Map(new ScaledProductAdd(-1f), result.Data, negative, product, result.Data);
            for (int r = 0; r < ctx.Batch; r++)
            {
                ctx.Absorb(r, relevanceSums[r] - dots[r]);
            }

            ctx.AddInputRelevance(0, result);
        }
        finally
        {
            foreach (var array in (float[][])[t, negativeTerm, u1, u2, positive, negative, product])
            {
                LinearScratch.Return(array);
            }
        }
    }
}
