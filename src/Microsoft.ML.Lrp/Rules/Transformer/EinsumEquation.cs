namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// An Einsum equation of one or two operands with explicit letters (<c>"bhqd,bhkd-&gt;bhqk"</c>, <c>"bii-&gt;bi"</c>;
/// an implicit output lists the letters that occur once, in alphabetical order). A letter repeated within an operand
/// reads its diagonal. Equations with an ellipsis are first expanded by <see cref="EinsumEllipsis"/>.
/// </summary>
internal sealed class EinsumEquation
{
    private EinsumEquation(string[] operands, string output)
    {
        Operands = operands;
        Output = output;
        Letters = (output + new string(string.Concat(operands).Where(c => !output.Contains(c)).Distinct().ToArray())).ToCharArray();
    }

    /// <summary>Each operand's letters.</summary>
    public string[] Operands { get; }

    /// <summary>The first operand's letters.</summary>
    public string A => Operands[0];

    /// <summary>The second operand's letters.</summary>
    public string B => Operands[1];

    /// <summary>The output's letters.</summary>
    public string Output { get; }

    /// <summary>All letters: the output's first, then the summed (contracted) ones.</summary>
    public char[] Letters { get; }

    /// <summary>Whether some letter is summed over (absent from the output).</summary>
    public bool Sums => Letters.Length > Output.Length;

    /// <summary>
    /// Whether <paramref name="equation"/> is an equation of <paramref name="operandCount"/> operands this rule
    /// supports (ellipses allowed); otherwise false with a reason for the unsupported-ops message.
    /// </summary>
    public static bool Check(string equation, int operandCount, out string? reason)
    {
        reason = null;
        var sides = equation.Replace(" ", "", StringComparison.Ordinal).Split("->");
        var operands = sides[0].Split(',');
        if (operandCount is < 1 or > 2 || operands.Length != operandCount || sides.Length > 2)
        {
            reason = "with more than two operands";
            return false;
        }

        if (!operands.All(EinsumEllipsis.IsTerm) || (sides.Length == 2 && !EinsumEllipsis.IsTerm(sides[1])))
        {
            reason = "with an equation that is not letters and one ellipsis per term";
            return false;
        }

        if (sides.Length == 2)
        {
            var output = sides[1].Replace("...", "", StringComparison.Ordinal);
            bool ellipsisOk = !sides[1].Contains("...", StringComparison.Ordinal) || operands.Any(o => o.Contains("...", StringComparison.Ordinal));
            if (output.Distinct().Count() != output.Length || !output.All(c => operands.Any(o => o.Contains(c))) || !ellipsisOk)
            {
                reason = "with an output letter repeated or absent from the operands";
                return false;
            }
        }

        return true;
    }

    /// <summary>Parses an equation that passed <see cref="Check"/>, expanding an ellipsis from the operand ranks.</summary>
    public static EinsumEquation Parse(string equation, params int[] ranks)
    {
        var text = EinsumEllipsis.Expand(equation.Replace(" ", "", StringComparison.Ordinal), ranks);
        var sides = text.Split("->");
        var operands = sides[0].Split(',');
        for (int i = 0; i < operands.Length; i++)
        {
            if (operands[i].Length != ranks[i])
            {
                throw new LrpException($"The Einsum equation '{equation}' gives operand {i} {operands[i].Length} letters but it has rank {ranks[i]}.");
            }
        }

        string output = sides.Length == 2
            ? sides[1]
            : new string(string.Concat(operands).GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).Order().ToArray());
        return new EinsumEquation(operands, output);
    }

    /// <summary>The size of every letter, from the operand shapes (a size-1 axis broadcasts).</summary>
    public int[] Sizes(params int[][] shapes)
    {
        var sizes = new int[Letters.Length];
        for (int l = 0; l < Letters.Length; l++)
        {
            sizes[l] = 1;
            for (int o = 0; o < Operands.Length; o++)
            {
                int i = Operands[o].IndexOf(Letters[l]);
                sizes[l] = Math.Max(sizes[l], i >= 0 ? shapes[o][i] : 1);
            }
        }

        return sizes;
    }

    /// <summary>
    /// For operand letters <paramref name="operand"/>: the stride of each letter of <see cref="Letters"/> (0 if absent
    /// or broadcast; a repeated letter adds its axes' strides, which walks the diagonal).
    /// </summary>
    public int[] Strides(string operand, int[] shape)
    {
        var strides = new int[Letters.Length];
        int stride = 1;
        for (int d = operand.Length - 1; d >= 0; d--)
        {
            int l = Array.IndexOf(Letters, operand[d]);
            strides[l] += shape[d] == 1 ? 0 : stride;
            stride *= shape[d];
        }

        return strides;
    }
}
