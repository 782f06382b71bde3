using Microsoft.ML.Lrp.Graph;
using Microsoft.ML.Lrp.Rules.Bodies;
using Microsoft.ML.Lrp.Tensors;

namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// A two-operand Einsum contraction, the bilinear rule of <see cref="BilinearMatMulRule"/>: with both operands carrying
/// relevance, AttnLRP uniform (<c>s = R / stab(2z)</c>, each operand element receives <c>Σ a·b·s</c> over the terms it
/// enters); with one constant operand, Epsilon on the other (<c>s = R / stab(z)</c>). An ellipsis is expanded into
/// letters from the operand ranks (<see cref="EinsumEllipsis"/>) the first time the rule runs; a letter repeated
/// within an operand walks its diagonal, so entries off the diagonal enter no term and get 0.
/// </summary>
internal sealed class EinsumRule(string text, bool aCarries, bool bCarries) : IRelevanceRule
{
    private readonly object _lock = new();
    private EinsumEquation? _equation;

    public string Description => aCarries && bCarries ? "AttnLrpUniform" : "Epsilon";

    public IEnumerable<string> RequiredValues(LrpNode node) => [node.Inputs[0], node.Inputs[1]];

    public void Propagate(RuleContext ctx)
    {
        var node = ctx.Node;
        var a = ctx.Value(node.Inputs[0]);
        var b = ctx.Value(node.Inputs[1]);
        var r = ctx.OutputRelevanceOrZeros(0);
        EinsumEquation equation;
        lock (_lock)
        {
            equation = _equation ??= EinsumEquation.Parse(text, a.Rank, b.Rank);
        }

        var sizes = equation.Sizes(a.Shape, b.Shape);
        var sa = equation.Strides(equation.A, a.Shape);
        var sb = equation.Strides(equation.B, b.Shape);
        var so = equation.Strides(equation.Output, r.Shape);
        var z = new double[r.Length];
        Visit(sizes, sa, sb, so, (ia, ib, io) => z[io] += (double)a.Data[ia] * b.Data[ib]);

        float factor = aCarries && bCarries ? 2f : 1f;
        var zf = z.Select(v => (float)(v * factor)).ToArray();
        var s = new float[r.Length];
        ctx.Backend.Map(new StabilizedDivide(ctx.Epsilon), r.Data, zf, s);
        var ra = new double[a.Length];
        var rb = new double[b.Length];
        Visit(sizes, sa, sb, so, (ia, ib, io) =>
        {
            double term = (double)a.Data[ia] * b.Data[ib] * s[io];
            ra[ia] += term;
            rb[ib] += term;
        });

        var absorbed = new float[r.Length];
        for (int i = 0; i < absorbed.Length; i++)
        {
            absorbed[i] = r.Data[i] - (s[i] * zf[i]);
        }

        ctx.Absorb(absorbed);
        if (aCarries)
        {
            ctx.AddInputRelevance(0, new Tensor(a.Shape, ra.Select(v => (float)v).ToArray()));
        }

        if (bCarries)
        {
            ctx.AddInputRelevance(1, new Tensor(b.Shape, rb.Select(v => (float)v).ToArray()));
        }
    }

    private static void Visit(int[] sizes, int[] sa, int[] sb, int[] so, Action<int, int, int> term)
    {
        var index = new int[sizes.Length];
        long total = sizes.Aggregate(1L, (p, d) => p * d);
        for (long t = 0; t < total; t++)
        {
            int ia = 0, ib = 0, io = 0;
            for (int l = 0; l < sizes.Length; l++)
            {
                ia += index[l] * sa[l];
                ib += index[l] * sb[l];
                io += index[l] * so[l];
            }

            term(ia, ib, io);
            TensorShapes.Increment(index, sizes);
        }
    }
}
