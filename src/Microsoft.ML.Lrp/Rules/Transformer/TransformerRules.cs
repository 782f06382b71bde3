using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Linear;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// The transformer rows of RULES.md: which nodes take a transformer rule (<see cref="Covers"/>) and the rule each
/// gets under the chosen composite (<see cref="Bind"/>). Gates and normalisers need no rule of their own: the graph
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

    /// <summary>
    /// Whether <paramref name="node"/> takes a transformer rule. <paramref name="reason"/> explains a refusal for an op
    /// this class knows but cannot cover in this form.
    /// </summary>
    public static bool Covers(LrpNode node, CanonicalGraph graph, IReadOnlyList<int> relevanceInputs, out string? reason)
    {
        reason = null;
        switch (node.OpType)
        {
            case "MatMul":
                return relevanceInputs.Count > 0 && !LinearLayerBuilder.IsDense(node, graph);
            case "Mul":
                return relevanceInputs.Count == 2;
            case "Softmax":
                return !node.Outputs.Contains(graph.ExplainedOutput);
            case "LayerNormalization" or "RMSNormalization" or "Where" or "Trilu" or "CumSum" or "Sin" or "Cos":
                return true;
            case "Einsum":
                return EinsumEquation.Check(node.Source.GetString("equation", ""), node.Inputs.Count, out reason);
            default:
                return false;
        }
    }

    /// <summary>The rule of a covered node.</summary>
    public static IRelevanceRule Bind(LrpNode node, CanonicalGraph graph, LrpOptions options)
    {
        bool Carries(int i) => graph.IsRelevance(node.Inputs[i]);
        switch (node.OpType)
        {
            case "MatMul":
            {
                bool a = Carries(0), b = Carries(1);
                if (options.Composite == LrpComposite.CpLrp && a && b)
                {
                    // CP-LRP: no relevance through the attention weights; A·V is Epsilon with A constant.
                    a &= !IsAttentionWeights(node.Inputs[0], graph);
                    b &= !IsAttentionWeights(node.Inputs[1], graph);
                }

                return new BilinearMatMulRule(a, b);
            }

            case "Mul":
                return new ProductSplitRule();
            case "Softmax":
                return new AttnSoftmaxRule(graph.Model.OpsetVersion < 13);
            case "LayerNormalization":
                return new LayerNormRule();
            case "RMSNormalization":
                return new LayerNormRule(centered: false);
            case "Where":
                return new WhereRule();
            case "Trilu":
                return new TriluRule();
            case "CumSum":
                return new CumSumRule();
            case "Einsum":
            {
                var equation = node.Source.GetString("equation", "");
                if (node.Inputs.Count == 1)
                {
                    return new EinsumUnaryRule(equation);
                }

                bool a = Carries(0), b = Carries(1);
                if (options.Composite == LrpComposite.CpLrp && a && b)
                {
                    a &= !IsAttentionWeights(node.Inputs[0], graph);
                    b &= !IsAttentionWeights(node.Inputs[1], graph);
                }

                return new EinsumRule(equation, a, b);
            }

            default:
                return new StopRule();
        }
    }

    /// <summary>A value produced by a Softmax, possibly through shape-only ops (Dropout, Cast, Reshape…).</summary>
    public static bool IsAttentionWeights(string value, CanonicalGraph graph)
    {
        var producer = graph.Onnx.Producer(value);
        while (producer is not null && OpCatalog.IsShapeOnly(producer.OpType) && producer.Inputs.Count > 0)
        {
            producer = graph.Onnx.Producer(producer.Inputs[0]);
        }

        return producer is not null && SoftmaxLike.Contains(producer.OpType);
    }
}
