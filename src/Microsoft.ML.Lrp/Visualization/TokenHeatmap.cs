using System.Globalization;
using System.Net;
using System.Text;

namespace Microsoft.ML.Lrp.Visualization;

/// <summary>
/// Token relevance as one HTML page with any number of rows: each token on a background of the colour map's colour
/// for its relevance (by default Zennit's <c>bwr</c>: red for the explained score, blue against it, near-white for
/// none), normalised per row or on one scale shared by all rows.
/// </summary>
/// <remarks>
/// Normalisation and colours follow <see cref="HeatmapOptions"/> over the row's tokens (or over every row's tokens
/// with a shared scale): symmetric by default, <c>p = (clamp(R / s, −1, 1) + 1) / 2</c> with <c>s</c> the clip
/// percentile of <c>|R|</c> (for fewer than 200 tokens, the 99.5th percentile is the largest <c>|R|</c>). The page
/// starts with a colour bar of the map; each row shows its number, caption and scale; the exact value is in each
/// token's tooltip; text is black or white, whichever reads better on the background. Tokens are HTML-encoded;
/// WordPiece continuations (<c>##</c>) are joined to the token before them.
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

    /// <summary>
    /// A terminal-friendly colour (<c>#rrggbb</c>) of a token with relevance <paramref name="relevance"/> on scale
    /// <paramref name="scale"/>: <c>t = clamp(R / s, −1, 1)</c>, <c>(1 − |t|)·white + |t|·(red or blue)</c>, exactly
    /// white at zero (the continuous form of <c>bwr</c>).
    /// </summary>
    public static string Color(float relevance, float scale)
    {
        float t = scale > 0 && float.IsFinite(relevance) ? Math.Clamp(relevance / scale, -1f, 1f) : 0f;
        float keep = 1 - Math.Abs(t);
        return Hex(ToByte(keep + Math.Max(t, 0f)), ToByte(keep), ToByte(keep + Math.Max(-t, 0f)));
    }

    /// <summary>
    /// The colour (<c>#rrggbb</c>) of <paramref name="colorMap"/>'s palette for <paramref name="relevance"/> on the
    /// symmetric scale <paramref name="scale"/>: entry <c>⌊255 (clamp(R / s, −1, 1) + 1) / 2⌋</c> (the centre, 127,
    /// when <c>s</c> is 0).
    /// </summary>
    public static string Color(float relevance, float scale, HeatmapColorMap colorMap)
    {
        double t = scale > 0 && float.IsFinite(relevance) ? Math.Clamp(relevance / (double)scale, -1, 1) : 0;
        return PaletteHex(ColorMapPalette.Of(colorMap), (int)Math.Clamp(Math.Floor(255 * (t + 1) / 2), 0, 255));
    }

    /// <summary>A complete HTML document with one captioned line of coloured tokens per row (default options, a scale per row).</summary>
    /// <exception cref="ArgumentException">A row has a different number of tokens and relevance values.</exception>
    public static string RenderHtml(IEnumerable<TokenHeatmapRow> rows, string title = "Token relevance")
        => RenderHtml(rows, HeatmapOptions.Default, title);

    /// <summary>A complete HTML document with one numbered, captioned line of coloured tokens per row.</summary>
    /// <param name="rows">The rows, in order.</param>
    /// <param name="options">Colour map and normalisation (<see cref="HeatmapOptions.OverlayAlpha"/> is not used).</param>
    /// <param name="title">The page's title and heading.</param>
    /// <param name="sharedScale">One scale over all rows' tokens (rows compare), instead of one per row.</param>
    /// <exception cref="ArgumentException">A row has a different number of tokens and relevance values.</exception>
    public static string RenderHtml(IEnumerable<TokenHeatmapRow> rows, HeatmapOptions options, string title = "Token relevance", bool sharedScale = false)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(title);
        options.Validate();
        List<TokenHeatmapRow> list = rows.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(list[i], $"rows[{i}]");
            if (list[i].Tokens.Count != list[i].Relevance.Count)
            {
                throw new ArgumentException($"Row {i} ('{list[i].Caption}') has {list[i].Tokens.Count} tokens but {list[i].Relevance.Count} relevance values.", nameof(rows));
            }
        }

        HeatmapScale? shared = sharedScale ? HeatmapScale.Of(list.SelectMany(r => r.Relevance).ToArray(), options) : null;
        byte[] palette = ColorMapPalette.Of(options.ColorMap);
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>\n");
        html.Append("<style>body{font-family:sans-serif;max-width:70em;margin:2em auto}.row{margin:0.8em 0;line-height:2}")
            .Append(".caption{font-size:0.85em;color:#444}.tok{padding:0.15em 0.1em;border-radius:0.2em}")
            .Append(".bar{height:1em;width:20em;display:inline-block;vertical-align:middle;border:1px solid #888}</style></head><body>\n");
        html.Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>\n");
        AppendLegend(html, options, palette, list.Count, shared);
        for (int i = 0; i < list.Count; i++)
        {
            AppendRow(html, i + 1, list[i], shared ?? HeatmapScale.Of(list[i].Relevance.ToArray(), options), palette);
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    /// <summary>Writes <see cref="RenderHtml(IEnumerable{TokenHeatmapRow}, string)"/> to <paramref name="path"/>, creating the folder when needed.</summary>
    public static void SaveHtml(string path, IEnumerable<TokenHeatmapRow> rows, string title = "Token relevance")
        => SaveHtml(path, rows, HeatmapOptions.Default, title);

    /// <summary>Writes <see cref="RenderHtml(IEnumerable{TokenHeatmapRow}, HeatmapOptions, string, bool)"/> to <paramref name="path"/>, creating the folder when needed.</summary>
    public static void SaveHtml(string path, IEnumerable<TokenHeatmapRow> rows, HeatmapOptions options, string title = "Token relevance", bool sharedScale = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string html = RenderHtml(rows, options, title, sharedScale);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(path, html, new UTF8Encoding(false));
    }

    private static void AppendLegend(StringBuilder html, HeatmapOptions options, byte[] palette, int rows, HeatmapScale? shared)
    {
        html.Append("<p class=\"caption\">");
        html.Append(options.Symmetric ? "−s " : "low ");
        html.Append("<span class=\"bar\" style=\"background:linear-gradient(to right");
        for (int k = 0; k <= 255; k += 51)
        {
            html.Append(',').Append(PaletteHex(palette, k));
        }

        html.Append(")\"></span>");
        html.Append(options.Symmetric ? " +s" : " high");
        html.Append(CultureInfo.InvariantCulture, $" &nbsp; colour map {options.ColorMap.ToString().ToLowerInvariant()}, {(options.Symmetric ? "symmetric around 0" : "lowest to highest")}, ")
            .Append(CultureInfo.InvariantCulture, $"clipped at the {options.ClipPercentile:G4}th percentile; ")
            .Append(shared is HeatmapScale s ? FormattableString.Invariant($"one scale for all {rows} rows (s = {s.Magnitude:G4}).") : "a scale per row.")
            .Append("</p>\n");
    }

    private static void AppendRow(StringBuilder html, int number, TokenHeatmapRow row, HeatmapScale scale, byte[] palette)
    {
        html.Append(CultureInfo.InvariantCulture, $"<div class=\"row\" id=\"row{number}\"><div class=\"caption\">#{number} ")
            .Append(WebUtility.HtmlEncode(row.Caption))
            .Append(CultureInfo.InvariantCulture, $" <span title=\"the scale of this row\">(s = {scale.Magnitude:G4})</span></div>");
        for (int i = 0; i < row.Tokens.Count; i++)
        {
            string token = row.Tokens[i];
            bool continuation = token.StartsWith("##", StringComparison.Ordinal) && token.Length > 2;
            if (i > 0 && !continuation)
            {
                html.Append(' ');
            }

            int k = scale.PaletteIndex(row.Relevance[i]);
            double luminance = (0.299 * palette[3 * k]) + (0.587 * palette[(3 * k) + 1]) + (0.114 * palette[(3 * k) + 2]);
            string text = continuation ? token[2..] : token;
            html.Append(CultureInfo.InvariantCulture, $"<span class=\"tok\" style=\"background:{PaletteHex(palette, k)};color:{(luminance < 128 ? "#fff" : "#000")}\" title=\"{row.Relevance[i]:G4}\">")
                .Append(WebUtility.HtmlEncode(text)).Append("</span>");
        }

        html.Append("</div>\n");
    }

    private static string PaletteHex(byte[] palette, int k) => Hex(palette[3 * k], palette[(3 * k) + 1], palette[(3 * k) + 2]);

    private static string Hex(byte red, byte green, byte blue) => string.Create(CultureInfo.InvariantCulture, $"#{red:x2}{green:x2}{blue:x2}");

    private static byte ToByte(float value) => (byte)Math.Clamp(MathF.Round(value * 255f), 0f, 255f);
}
