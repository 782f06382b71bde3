namespace Microsoft.ML.Lrp.Rules.Transformer;

/// <summary>
/// Rewrites an Einsum equation with <c>...</c> into explicit letters from the operand ranks, by numpy's rules: each
/// operand's ellipsis stands for its axes not named by letters; the ellipsis axes of all operands are right-aligned
/// and broadcast (a size-1 axis stretches), so operand ellipses of ranks 2 and 1 share the last letter. The output's
/// ellipsis (or, with an implicit output, the output's leading axes) is the longest ellipsis; an explicit output
/// without one sums the ellipsis axes. The result always has an explicit output.
/// </summary>
internal static class EinsumEllipsis
{
    private const string Ellipsis = "...";

    /// <summary>Whether <paramref name="term"/> is ASCII letters with at most one ellipsis.</summary>
    public static bool IsTerm(string term)
    {
        int at = term.IndexOf(Ellipsis, StringComparison.Ordinal);
        var letters = at < 0 ? term : term.Remove(at, Ellipsis.Length);
        return letters.All(char.IsAsciiLetter);
    }

    /// <summary>The equation with every ellipsis replaced by letters; unchanged when it has none.</summary>
    public static string Expand(string equation, int[] ranks)
    {
        if (!equation.Contains(Ellipsis, StringComparison.Ordinal))
        {
            return equation;
        }

        var sides = equation.Split("->");
        var operands = sides[0].Split(',');
        var spans = new int[operands.Length];
        for (int i = 0; i < operands.Length; i++)
        {
            int named = operands[i].Replace(Ellipsis, "", StringComparison.Ordinal).Length;
            spans[i] = operands[i].Contains(Ellipsis, StringComparison.Ordinal) ? ranks[i] - named : 0;
            if (spans[i] < 0)
            {
                throw new LrpException($"The Einsum equation '{equation}' names {named} axes of operand {i}, which has rank {ranks[i]}.");
            }
        }

        int longest = spans.Max();
        var free = FreeLetters(equation, longest);
        var expanded = operands.Select((o, i) => o.Replace(Ellipsis, free[(longest - spans[i])..], StringComparison.Ordinal)).ToArray();
        string output = sides.Length == 2
            ? sides[1].Replace(Ellipsis, free, StringComparison.Ordinal)
            : free + new string(string.Concat(operands).Replace(Ellipsis, "", StringComparison.Ordinal)
                .GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).Order().ToArray());
        return $"{string.Join(',', expanded)}->{output}";
    }

    private static string FreeLetters(string equation, int count)
    {
        var letters = Enumerable.Range('A', 26).Concat(Enumerable.Range('a', 26)).Select(c => (char)c).Where(c => !equation.Contains(c)).Take(count).ToArray();
        if (letters.Length < count)
        {
            throw new LrpException($"The Einsum equation '{equation}' has an ellipsis of {count} axes and too few unused letters to name them.");
        }

        return new string(letters);
    }
}
