using System.Globalization;
using System.Net;
using System.Text;

namespace Microsoft.ML.Lrp.Visualization;

/// <summary>
/// Token relevance as an HTML page: each token on a background that goes from white (no relevance) to red
/// (positive) or blue (negative), the same colour law as <see cref="HeatmapRenderer"/> over white.
/// </summary>
/// <remarks>
/// Each row has its own symmetric scale <c>s = max |R|</c> over its tokens; a token gets <c>t = R / s</c> in
/// [−1, 1] and the colour <c>(1 − |t|)·white + |t|·(red or blue)</c>. The exact value is in each token's tooltip.
/// Tokens are HTML-encoded; WordPiece continuations (<c>##</c>) are joined to the token before them.
/// </remarks>
public static class TokenHeatmap
{
    /// <summary>The symmetric scale of one row: the largest finite <c>|R|</c> (0 when there is none).</summary>
    public static float Scale(IReadOnlyList<float> relevance)
    {
        ArgumentNullException.ThrowIfNull(relevance);
        float scale = 0;
        foreach (float r in relevance)
        {
            if (float.IsFinite(r))
            {
                scale = Math.Max(scale, Math.Abs(r));
            }
        }

        return scale;
    }

    /// <summary>The background colour (<c>#rrggbb</c>) of a token with relevance <paramref name="relevance"/> on scale <paramref name="scale"/>.</summary>
    public static string Color(float relevance, float scale)
    {
        float t = scale > 0 && float.IsFinite(relevance) ? Math.Clamp(relevance / scale, -1f, 1f) : 0f;
        float keep = 1 - Math.Abs(t);
        byte red = ToByte(keep + Math.Max(t, 0f));
        byte green = ToByte(keep);
        byte blue = ToByte(keep + Math.Max(-t, 0f));
        return string.Create(CultureInfo.InvariantCulture, $"#{red:x2}{green:x2}{blue:x2}");
    }

    /// <summary>A complete HTML document with one captioned line of coloured tokens per row.</summary>
    /// <exception cref="ArgumentException">A row has a different number of tokens and relevance values.</exception>
    public static string RenderHtml(IEnumerable<TokenHeatmapRow> rows, string title = "Token relevance")
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(title);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>\n");
        html.Append("<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}.row{margin:1.2em 0;line-height:2}")
            .Append(".caption{font-size:0.85em;color:#444}.tok{padding:0.15em 0.1em;border-radius:0.2em}</style></head><body>\n");
        html.Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>\n");
        html.Append("<p class=\"caption\">Red: relevance for the explained score; blue: against it. Each line has its own scale (max |R|).</p>\n");
        foreach (var row in rows)
        {
            AppendRow(html, row);
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>Writes <see cref="RenderHtml"/> to <paramref name="path"/>, creating the folder when needed.</summary>
    public static void SaveHtml(string path, IEnumerable<TokenHeatmapRow> rows, string title = "Token relevance")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string html = RenderHtml(rows, title);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(path, html, new UTF8Encoding(false));
    }

    private static void AppendRow(StringBuilder html, TokenHeatmapRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Tokens.Count != row.Relevance.Count)
        {
            throw new ArgumentException($"The row '{row.Caption}' has {row.Tokens.Count} tokens but {row.Relevance.Count} relevance values.", nameof(row));
        }

        float scale = Scale(row.Relevance);
        html.Append("<div class=\"row\"><div class=\"caption\">").Append(WebUtility.HtmlEncode(row.Caption)).Append("</div>");
        for (int i = 0; i < row.Tokens.Count; i++)
        {
            string token = row.Tokens[i];
            bool continuation = token.StartsWith("##", StringComparison.Ordinal) && token.Length > 2;
            if (i > 0 && !continuation)
            {
                html.Append(' ');
            }

            string text = continuation ? token[2..] : token;
            html.Append(CultureInfo.InvariantCulture, $"<span class=\"tok\" style=\"background:{Color(row.Relevance[i], scale)}\" title=\"{row.Relevance[i]:G4}\">")
                .Append(WebUtility.HtmlEncode(text)).Append("</span>");
        }

        html.Append("</div>\n");
    }

    private static byte ToByte(float value) => (byte)Math.Clamp(MathF.Round(value * 255f), 0f, 255f);
}
