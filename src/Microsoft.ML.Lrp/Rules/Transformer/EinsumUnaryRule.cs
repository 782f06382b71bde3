using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// A one-operand Einsum: a data movement (a permutation <c>"bij-&gt;bji"</c>, a diagonal <c>"bii-&gt;bi"</c>) is
/// routed like Transpose: each output element's relevance goes unchanged to the input element it copies, entries
/// off the diagonal get 0. With a summed letter (<c>"bij-&gt;bi"</c>, a trace <c>"ii-&gt;"</c>) it is the Norm rule
/// of ReduceSum over the terms of each output element: <c>R_x = x ⊙ R / stab(Σ terms)</c>, the stabiliser's share
/// absorbed; a plain reduction (kept letters in input order, no diagonal) runs <see cref="ReductionNorm"/>.
/// </summary>
internal sealed class EinsumUnaryRule(string text) : IRelevanceRule
{
    private readonly object _lock = new();
    private readonly Dictionary<int, EinsumTerms> _terms = [];

    private readonly bool _routes = RoutesOnly(text);

    public string Description => _routes ? "Route" : "Norm";

    public IEnumerable<string> RequiredValues(LrpNode node) => _routes ? [] : [node.Inputs[0]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var r = ctx.OutputRelevanceOrZeros(0);
        var xShape = ctx.Shape(node.Inputs[0]);
        EinsumTerms terms;
        lock (_lock)
        {
            if (!_terms.TryGetValue(ctx.Batch, out terms!))
            {
                terms = new EinsumTerms(EinsumEquation.Parse(text, xShape.Length), xShape);
                _terms[ctx.Batch] = terms;
            }
        }

        if (!terms.Equation.Sums && _routes)
        {
            // Routing: every output element copies exactly one input element.
            var routed = new Tensor(xShape);
            for (int t = 0; t < terms.Count; t++)
            {
                routed.Data[terms.Input[t]] += r.Data[terms.Output[t]];
            }

            ctx.AddInputRelevance(0, routed);
            return;
        }

        var x = ctx.Value(node.Inputs[0]);
        if (terms.KeptShape is not null && ReductionNorm.TryPropagate(ctx, x, r, terms.KeptShape, 1f))
        {
            return;
        }

        var z = new double[r.Length];
        for (int t = 0; t < terms.Count; t++)
        {
            z[terms.Output[t]] += x.Data[terms.Input[t]];
        }

        var zf = z.Select(v => (float)v).ToArray();
        var s = new float[r.Length];
        ctx.Backend.Map(new StabilizedDivide(ctx.Epsilon), r.Data, zf, s);
        var rx = new Tensor(xShape);
        for (int t = 0; t < terms.Count; t++)
        {
            rx.Data[terms.Input[t]] += x.Data[terms.Input[t]] * s[terms.Output[t]];
        }

        var absorbed = new float[r.Length];
        for (int i = 0; i < absorbed.Length; i++)
        {
            absorbed[i] = r.Data[i] - (s[i] * zf[i]);
        }

        ctx.Absorb(absorbed);
        ctx.AddInputRelevance(0, rx);
    }

    /// <summary>
    /// Whether the equation sums no axis: an explicit output names every letter (and the ellipsis if any); an implicit
    /// output keeps every letter that occurs once, so it sums none when no letter repeats.
    /// </summary>
    private static bool RoutesOnly(string text)
    {
        var sides = text.Replace(" ", "", StringComparison.Ordinal).Split("->");
        var letters = sides[0].Replace("...", "", StringComparison.Ordinal);
        return sides.Length == 2 ? sides[0].All(c => c == '.' || sides[1].Contains(c)) : letters.Distinct().Count() == letters.Length;
    }
}
