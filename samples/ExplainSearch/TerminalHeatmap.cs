using System.Globalization;
using System.Text;
using Microsoft.ML.Lrp.Visualization;

namespace ExplainSearch;

/// <summary>
/// Tokens coloured by relevance in a terminal: 24-bit ANSI backgrounds with the colours of
/// <see cref="TokenHeatmap.Color"/> (white → red for, → blue against), plain text when <c>NO_COLOR</c> is set
/// or the output is redirected.
/// </summary>
internal static class TerminalHeatmap
{
    public static bool UseColor => Environment.GetEnvironmentVariable("NO_COLOR") is null && !Console.IsOutputRedirected;

    public static string Render(IReadOnlyList<string> tokens, IReadOnlyList<float> relevance)
    {
        float scale = TokenHeatmap.Scale(relevance);
        var line = new StringBuilder();
        for (int i = 0; i < tokens.Count; i++)
        {
            string token = tokens[i];
            bool continuation = token.StartsWith("##", StringComparison.Ordinal) && token.Length > 2;
            if (i > 0 && !continuation)
            {
                line.Append(' ');
            }

            string text = continuation ? token[2..] : token;
            if (UseColor)
            {
                string hex = TokenHeatmap.Color(relevance[i], scale);
                int r = int.Parse(hex.AsSpan(1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                int g = int.Parse(hex.AsSpan(3, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                int b = int.Parse(hex.AsSpan(5, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                line.Append(CultureInfo.InvariantCulture, $"\u001b[48;2;{r};{g};{b}m\u001b[38;2;0;0;0m{text}\u001b[0m");
            }
            else
            {
                line.Append(CultureInfo.InvariantCulture, $"{text}({relevance[i]:+0.000;-0.000})");
            }
        }

        return line.ToString();
    }
}
