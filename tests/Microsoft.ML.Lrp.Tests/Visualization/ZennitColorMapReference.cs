using System.Globalization;

namespace Microsoft.ML.Lrp.Tests.Visualization;

/// <summary>
/// Zennit's colour maps written again for the tests, from Zennit's colour-map source strings (zennit/image.py CMAPS)
/// and the rules of its colour-map language (zennit/cmap.py): colours as 3 or 6 hex digits, an optional hex index
/// and ':' before a colour, colours without an index spread evenly (index truncated) between indexed neighbours,
/// the first colour at 0 and the last at 255, the last repeated at 256; a palette entry k is
/// ⌊round(255 · colour(k / 255), 12)⌋ with linear interpolation on the 0–255 index scale.
/// </summary>
internal static class ZennitColorMapReference
{
    public static readonly IReadOnlyDictionary<string, string> Sources = new Dictionary<string, string>
    {
        ["gray"] = "000,fff",
        ["hot"] = "000,f00,ff0,fff",
        ["coldnhot"] = "0ff,00f,80:000,f00,ff0,fff",
        ["bwr"] = "00f,80:fff,f00",
    };

    /// <summary>The control points (index, r, g, b) of a colour-map source, the last one at 256.</summary>
    public static List<(double Index, double[] Rgb)> Nodes(string source)
    {
        var parsed = new List<(int? Index, double[] Rgb)>();
        foreach (string part in source.Split(','))
        {
            string[] pieces = part.Trim().Split(':');
            int? index = pieces.Length == 2 ? int.Parse(pieces[0].Length == 1 ? pieces[0] + pieces[0] : pieces[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture) : null;
            string hex = pieces[^1];
            string full = hex.Length == 3 ? string.Concat(hex.Select(c => $"{c}{c}")) : hex;
            double[] rgb = [.. Enumerable.Range(0, 3).Select(c => (double)int.Parse(full.Substring(2 * c, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture))];
            parsed.Add((index, rgb));
        }

        var nodes = new List<(double Index, double[] Rgb)> { (0, parsed[0].Rgb) };
        if (parsed[0].Index is int first && first > 0)
        {
            nodes.Add((first, parsed[0].Rgb));
        }

        var pending = new List<double[]>();
        for (int n = 1; n < parsed.Count; n++)
        {
            (int? index, double[] rgb) = parsed[n];
            if (index is null && n < parsed.Count - 1)
            {
                pending.Add(rgb);
                continue;
            }

            int at = index ?? 255;
            double start = nodes[^1].Index;
            for (int p = 0; p < pending.Count; p++)
            {
                double alpha = (p + 1) / (double)(pending.Count + 1);
                nodes.Add((Math.Truncate((start * (1 - alpha)) + (at * alpha)), pending[p]));
            }

            pending.Clear();
            nodes.Add((at, rgb));
        }

        nodes.Add((256, nodes[^1].Rgb));
        return nodes;
    }

    /// <summary>The colour (0–255 per channel, not rounded) at index <paramref name="x"/> in [0, 255].</summary>
    public static double[] ColorAt(string name, double x)
    {
        List<(double Index, double[] Rgb)> nodes = Nodes(Sources[name]);
        int upper = 1;
        while (upper < nodes.Count - 1 && nodes[upper].Index <= x)
        {
            upper++;
        }

        (double i0, double[] c0) = nodes[upper - 1];
        (double i1, double[] c1) = nodes[upper];
        double a = (x - i0) / (i1 - i0);
        return [.. Enumerable.Range(0, 3).Select(c => (c0[c] * (1 - a)) + (c1[c] * a))];
    }

    /// <summary>Palette entry <paramref name="k"/> as Zennit's <c>palette()</c> makes it, as "r,g,b".</summary>
    public static string Entry(string name, int k)
        => string.Join(",", ColorAt(name, k).Select(v => (int)Math.Floor(Math.Round(v, 12))));

    /// <summary>Zennit's 8-bit index of <paramref name="relevance"/> under symmetric normalisation by <paramref name="scale"/>.</summary>
    public static int SymmetricIndex(double relevance, double scale)
        => (int)Math.Clamp(Math.Floor((relevance + scale) / (2 * scale) * 255), 0, 255);

    /// <summary>The nearest-rank percentile of |values|.</summary>
    public static double AbsPercentile(IEnumerable<float> values, double percentile)
    {
        double[] sorted = [.. values.Select(v => Math.Abs((double)v)).Order()];
        return sorted[(int)Math.Ceiling(percentile / 100 * sorted.Length) - 1];
    }
}
