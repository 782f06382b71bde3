namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// A two-operand Einsum equation with explicit letters (<c>"bhqd,bhkd-&gt;bhqk"</c>; an implicit output lists the
/// letters that occur once, in alphabetical order). Ellipses are not supported.
/// </summary>
internal sealed class EinsumEquation
{
    private EinsumEquation(string a, string b, string output)
    {
        A = a;
        B = b;
        Output = output;
        Letters = (output + new string(a.Concat(b).Where(c => !output.Contains(c)).Distinct().ToArray())).ToCharArray();
    }

    /// <summary>The first operand's letters.</summary>
    public string A { get; }

    /// <summary>The second operand's letters.</summary>
    public string B { get; }

    /// <summary>The output's letters.</summary>
    public string Output { get; }

    /// <summary>All letters: the output's first, then the contracted ones.</summary>
    public char[] Letters { get; }

    /// <summary>Parses an equation; null with a reason when it is not a two-operand equation this rule supports.</summary>
    public static EinsumEquation? TryParse(string equation, out string? reason)
    {
        reason = null;
        var text = equation.Replace(" ", "", StringComparison.Ordinal);
        if (text.Contains("...", StringComparison.Ordinal))
        {
            reason = "with an ellipsis";
            return null;
        }

        var sides = text.Split("->");
        var operands = sides[0].Split(',');
        if (operands.Length != 2 || sides.Length > 2 || !operands.All(o => o.All(char.IsAsciiLetter)))
        {
            reason = "with other than two operands";
            return null;
        }

        string output = sides.Length == 2
            ? sides[1]
            : new string(operands[0].Concat(operands[1]).GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).Order().ToArray());
        if (operands.Any(o => o.Distinct().Count() != o.Length))
        {
            reason = "with a repeated letter in one operand (a diagonal)";
            return null;
        }

        return new EinsumEquation(operands[0], operands[1], output);
    }

    /// <summary>The size of every letter, from the operand shapes.</summary>
    public int[] Sizes(int[] aShape, int[] bShape)
    {
        var sizes = new int[Letters.Length];
        for (int l = 0; l < Letters.Length; l++)
        {
            int ia = A.IndexOf(Letters[l]), ib = B.IndexOf(Letters[l]);
            int sa = ia >= 0 ? aShape[ia] : 1, sb = ib >= 0 ? bShape[ib] : 1;
            sizes[l] = Math.Max(sa, sb);
        }

        return sizes;
    }

    /// <summary>For operand letters <paramref name="operand"/>: the stride of each letter of <see cref="Letters"/> (0 if absent or broadcast).</summary>
    public int[] Strides(string operand, int[] shape)
    {
        var strides = new int[Letters.Length];
        int stride = 1;
        for (int d = operand.Length - 1; d >= 0; d--)
        {
            int l = Array.IndexOf(Letters, operand[d]);
            strides[l] = shape[d] == 1 ? 0 : stride;
            stride *= shape[d];
        }

        return strides;
    }
}
