using Microsoft.ML.Lrp.Rules.Transformer;

namespace Microsoft.ML.Lrp.Graph.Fused;

/// <summary>
/// An <c>Einsum</c> of three or more operands as a chain of two-operand Einsums, so that the two-operand (bilinear)
/// rule applies to each: operands are contracted left to right, <c>T₁ = x₀ ⊗ x₁</c>, <c>Tₖ = Tₖ₋₁ ⊗ xₖ</c>, each
/// intermediate keeping, in order of first appearance, the letters of its two operands that a later operand or the
/// output still names (all other letters are summed there); the last step writes the equation's output. An
/// ellipsis is expanded into letters from the operand ranks (<see cref="EinsumEllipsis"/>), which must then be
/// declared; an implicit output is the letters named once, in alphabetical order.
/// </summary>
internal sealed class EinsumChainDecomposer : IFusedOpDecomposer
{
    public IReadOnlyList<string> OpTypes { get; } = ["Einsum"];

    public void Decompose(FusedGraphBuilder b)
    {
        string equation = b.Fused.GetString("equation", "").Replace(" ", "", StringComparison.Ordinal);
        var (operands, output) = Parse(b, equation);
        string current = b.Input(0);
        string currentTerm = operands[0];
        for (int k = 1; k < operands.Length; k++)
        {
            bool last = k == operands.Length - 1;
            string term = last ? output : Keep(currentTerm + operands[k], operands[(k + 1)..], output);
            current = b.Op("Einsum", [current, b.Input(k)], last ? b.Output(0) : null, ("equation", $"{currentTerm},{operands[k]}->{term}"));
            currentTerm = term;
        }
    }

    /// <summary>The distinct letters of <paramref name="letters"/> that a later operand or the output names.</summary>
    public static string Keep(string letters, string[] later, string output)
    {
        string needed = string.Concat(later) + output;
        return new string([.. letters.Distinct().Where(c => needed.Contains(c, StringComparison.Ordinal))]);
    }

    private static (string[] Operands, string Output) Parse(FusedGraphBuilder b, string equation)
    {
        string operandSide = equation.Split("->")[0];
        int count = operandSide.Split(',').Length;
        if (count != b.Fused.Inputs.Count)
        {
            throw b.Unsupported($"attribute equation='{equation}' with {count} terms for {b.Fused.Inputs.Count} inputs", "The equation needs one term per input.");
        }

        if (equation.Contains("...", StringComparison.Ordinal))
        {
            var ranks = new int[count];
            for (int i = 0; i < count; i++)
            {
                ranks[i] = b.Rank(b.Input(i)) ?? throw b.Unsupported($"attribute equation='{equation}' with an ellipsis on input '{b.Input(i)}' of unknown rank", "Declare the input's shape in the model.");
            }

            equation = EinsumEllipsis.Expand(equation, ranks);
        }

        var sides = equation.Split("->");
        var operands = sides[0].Split(',');
        if (sides.Length > 2 || !equation.Replace("->", "", StringComparison.Ordinal).Replace(",", "", StringComparison.Ordinal).All(char.IsAsciiLetter))
        {
            throw b.Unsupported($"attribute equation='{equation}'", "Terms must be ASCII letters with at most one ellipsis each.");
        }

        string output = sides.Length == 2 ? sides[1]
            : new string([.. string.Concat(operands).GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).Order()]);
        return (operands, output);
    }
}
