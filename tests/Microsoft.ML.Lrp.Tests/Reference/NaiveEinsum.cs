namespace Microsoft.ML.Lrp.Tests.Reference;

/// <summary>
/// A naive Einsum in double precision, written from the numpy definition and independent of the engine: every axis
/// gets an integer label (a letter's code; the ellipsis axes −1, −2, … counted from the right so that operands'
/// ellipses right-align), the equation is evaluated by visiting every assignment of the labels, and RULES.md's
/// rules are applied term by term: two carrying operands AttnLRP uniform (<c>s = R/stab(2z)</c>), a constant
/// second operand Epsilon (<c>s = R/stab(z)</c>), one operand routed when nothing is summed and Norm otherwise.
/// </summary>
internal sealed class NaiveEinsum
{
    private readonly int[][] labels;
    private readonly int[][] shapes;
    private readonly int[] output;
    private readonly List<int> all = [];
    private readonly Dictionary<int, int> size = [];

    public NaiveEinsum(string equation, params int[][] operandShapes)
    {
        shapes = operandShapes;
        var parts = equation.Replace(" ", "").Split("->");
        var terms = parts[0].Split(',');
        labels = terms.Select((t, i) => Labels(t, operandShapes[i].Length)).ToArray();
        if (parts.Length == 2)
        {
            int widest = labels.Max(l => l.Count(v => v < 0));
            output = Labels(parts[1], parts[1].Replace("...", "").Length + widest);
        }
        else
        {
            int widest = labels.Max(l => l.Count(v => v < 0));
            var once = labels.SelectMany(l => l).Where(v => v > 0).GroupBy(v => v).Where(g => g.Count() == 1).Select(g => g.Key).OrderBy(v => v);
            output = [.. Enumerable.Range(1, widest).Select(k => -(widest - k + 1)), .. once];
        }

        for (int o = 0; o < labels.Length; o++)
        {
            for (int d = 0; d < labels[o].Length; d++)
            {
                int label = labels[o][d];
                size[label] = Math.Max(size.GetValueOrDefault(label, 1), operandShapes[o][d]);
                if (!all.Contains(label))
                {
                    all.Add(label);
                }
            }
        }

        OutputShape = output.Select(l => size[l]).ToArray();
    }

    /// <summary>The output's shape.</summary>
    public int[] OutputShape { get; }

    /// <summary>Whether some label is summed over (absent from the output).</summary>
    public bool Sums => all.Any(l => !output.Contains(l));

    /// <summary>The forward value.</summary>
    public double[] Forward(params double[][] values)
    {
        var z = new double[OutputShape.Aggregate(1, (p, d) => p * d)];
        Visit((flat, o) => z[o] += values.Select((v, i) => v[flat[i]]).Aggregate(1.0, (p, x) => p * x));
        return z;
    }

    /// <summary>Relevance of two operands; <paramref name="bCarries"/> false holds the second constant (Epsilon).</summary>
    public (double[] Ra, double[] Rb) Bilinear(double[] a, double[] b, double[] r, bool bCarries, double epsilon = 1e-6)
    {
        var z = Forward(a, b);
        double factor = bCarries ? 2 : 1;
        var s = z.Select((v, i) => r[i] / Stab(factor * v, epsilon)).ToArray();
        var ra = new double[a.Length];
        var rb = new double[b.Length];
        Visit((flat, o) =>
        {
            double term = a[flat[0]] * b[flat[1]] * s[o];
            ra[flat[0]] += term;
            rb[flat[1]] += term;
        });
        return (ra, bCarries ? rb : new double[b.Length]);
    }

    /// <summary>Relevance of one operand: routed when nothing is summed, else Norm <c>x·R/stab(Σ terms)</c>.</summary>
    public double[] Unary(double[] x, double[] r, double epsilon = 1e-6)
    {
        var rx = new double[x.Length];
        var z = Forward(x);
        Visit((flat, o) => rx[flat[0]] += Sums ? x[flat[0]] * r[o] / Stab(z[o], epsilon) : r[o]);
        return rx;
    }

    private static double Stab(double d, double epsilon) => d + (d >= 0 ? epsilon : -epsilon);

    private static int[] Labels(string term, int rank)
    {
        var result = new List<int>();
        int at = term.IndexOf("...", StringComparison.Ordinal);
        int named = term.Replace("...", "").Length;
        foreach (var (c, i) in term.Select((c, i) => (c, i)))
        {
            if (i == at)
            {
                int span = rank - named;
                result.AddRange(Enumerable.Range(0, span).Select(k => -(span - k)));
            }
            else if (char.IsAsciiLetter(c))
            {
                result.Add(c);
            }
        }

        return [.. result];
    }

    // Calls back with each operand's flat index and the output's flat index, for every assignment of the labels.
    private void Visit(Action<int[], int> term)
    {
        var value = new Dictionary<int, int>();
        void Recurse(int k)
        {
            if (k == all.Count)
            {
                var flat = labels.Select((l, i) => Flat(l, shapes[i], value)).ToArray();
                term(flat, Flat(output, OutputShape, value));
                return;
            }

            for (int v = 0; v < size[all[k]]; v++)
            {
                value[all[k]] = v;
                Recurse(k + 1);
            }
        }

        Recurse(0);
    }

    private static int Flat(int[] axisLabels, int[] shape, Dictionary<int, int> value)
    {
        int flat = 0;
        for (int d = 0; d < axisLabels.Length; d++)
        {
            flat = (flat * shape[d]) + (shape[d] == 1 ? 0 : value[axisLabels[d]]);
        }

        return flat;
    }
}
