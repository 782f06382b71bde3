using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Ops;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// The transformer rows of RULES.md (the registry's rows choose them, <see cref="OpRegistry"/>): the rules whose
/// operands depend on the composite (AttnLRP or CP-LRP). Gates and normalisers need no rule of their own: the graph
/// keeps them off relevance paths (<see cref="GateOperands"/>), so their Mul/Div passes <c>R</c> to the signal.
/// </summary>
/// <remarks>
/// LayerNorm decomposed as PyTorch exports it (ReduceMean, Sub, Pow, ReduceMean, Add ε, Sqrt, Div, Mul w, Add b) is
/// not pattern-matched: each primitive takes its own rule and the composition reproduces the LayerNormalization
/// formula. The Div's denominator is a normaliser (no relevance), Mul w passes, Add b is Norm
/// (<c>R_y = y ⊙ R/stab(y+b)</c>), and Sub(x, ReduceMean(x)) with ReduceMean as Norm gives
/// <c>R_x = x ⊙ (R_d/d − mean(R_d/d))</c> with <c>R_d/d = w⊙s/σ</c>, i.e. <c>(x/σ)⊙(w⊙s − mean(w⊙s))</c>; the two
/// differ only by the stabilisers at <c>d = x − mean</c> and at the mean (tested to 1e-3).
/// </remarks>
internal static class TransformerRules
{
    private static readonly HashSet<string> SoftmaxLike = new(StringComparer.Ordinal) { "Softmax" };

    /// <summary>The bilinear rule of a MatMul of two activations (CP-LRP: no relevance through attention weights).</summary>
    public static IRelevanceRule BilinearMatMul(OpRuleBinding b)
    {
        var (a, c) = BilinearOperands(b);
        return new BilinearMatMulRule(a, c);
    }

    /// <summary>The Einsum rule: one operand (routing or Norm) or two (bilinear, like MatMul).</summary>
    public static IRelevanceRule Einsum(OpRuleBinding b)
    {
        var equation = b.Node.Source.GetString("equation", "");
        if (b.Node.Inputs.Count == 1)
        {
            return new EinsumUnaryRule(equation);
        }

        var (a, c) = BilinearOperands(b);
        return new EinsumRule(equation, a, c);
    }

    private static (bool A, bool B) BilinearOperands(OpRuleBinding binding)
    {
        var (node, graph, options) = (binding.Node, binding.Graph, binding.Options);
        bool a = graph.IsRelevance(node.Inputs[0]), b = graph.IsRelevance(node.Inputs[1]);
        if (options.Composite == LrpComposite.CpLrp && a && b)
        {
            // CP-LRP: no relevance through the attention weights; A·V is Epsilon with A constant.
            a &= !IsAttentionWeights(node.Inputs[0], graph);
            b &= !IsAttentionWeights(node.Inputs[1], graph);
        }

        return (a, b);
    }

    /// <summary>A value produced by a Softmax, possibly through shape-only ops (Dropout, Cast, Reshape…).</summary>
    public static bool IsAttentionWeights(string value, CanonicalGraph graph)
    {
        var producer = graph.Onnx.Producer(value);
        while (producer is not null && OpRegistry.IsShapeOnly(producer.OpType) && producer.Inputs.Count > 0)
        {
            producer = graph.Onnx.Producer(producer.Inputs[0]);
        }

        return producer is not null && SoftmaxLike.Contains(producer.OpType);
    }
}
