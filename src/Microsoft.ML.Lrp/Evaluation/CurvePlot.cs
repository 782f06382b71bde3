using Microsoft.ML.Lrp.Visualization;

namespace Microsoft.ML.Lrp.Evaluation;

/// <summary>
/// A line plot of pixel-flipping curves drawn into RGB pixels: per result its mean MoRF curve (solid) and mean LeRF
/// curve (dashed) in one colour of <see cref="Palette"/>, over the fraction of regions perturbed (x) and the score (y,
/// from the lowest to the highest point, 0 always shown); light grey lines at y = 0 and y = 1, ticks at 0, ¼, ½, ¾ and
/// all of the x range, and a legend (a swatch and the label per result, in the order given) at the top right, written
/// in <see cref="PlotFont"/>; then encoded with <see cref="PngWriter"/>.
/// </summary>
internal sealed class CurvePlot
{
    /// <summary>Colours of the results, in order (blue, orange, green, red, purple, brown; then repeated).</summary>
    public static readonly (byte R, byte G, byte B)[] Palette =
    [
        (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
    ];

    private const int Margin = 32;
    private readonly byte[] _rgb;
    private readonly int _width;
    private readonly int _height;

    public CurvePlot(int width, int height)
    {
        if (width < 4 * Margin || height < 4 * Margin)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"A curve plot needs at least {4 * Margin}×{4 * Margin} pixels; got {width}×{height}.");
        }

        _width = width;
        _height = height;
        _rgb = new byte[width * height * 3];
        Array.Fill(_rgb, (byte)255);
    }

    public byte[] Draw(IReadOnlyList<LrpPixelFlippingResult> results, IReadOnlyList<string> labels)
    {
        double xMax = results.Max(r => r.FractionPerturbed[^1]);
        var all = results.SelectMany(r => r.MeanMostRelevantFirst.Concat(r.MeanLeastRelevantFirst)).Where(double.IsFinite).Append(0).ToArray();
        double yMin = all.Min(), yMax = all.Max();
        if (yMax - yMin < 1e-12)
        {
            yMax = yMin + 1;
        }

        double pad = 0.05 * (yMax - yMin);
        yMin -= pad;
        yMax += pad;
        // Room above the curves for the legend (one 16-pixel line per result).
        int plotHeight = _height - 2 * Margin, legendHeight = Math.Min(plotHeight / 2, 16 * results.Count + 8);
        yMax += (yMax - yMin) * legendHeight / (plotHeight - legendHeight);
        (int X, int Y) At(double x, double y) => (
            Margin + (int)Math.Round((_width - 2 * Margin - 1) * x / (xMax > 0 ? xMax : 1)),
            _height - Margin - 1 - (int)Math.Round((_height - 2 * Margin - 1) * (y - yMin) / (yMax - yMin)));

        foreach (double level in new[] { 0.0, 1.0 })
        {
            if (level >= yMin && level <= yMax)
            {
                Line(At(0, level), At(xMax, level), (200, 200, 200), 0, 0);
                var (_, y) = At(0, level);
                Text(level == 0 ? "0" : "1", Margin - 10, y - PlotFont.GlyphHeight, (0, 0, 0));
            }
        }

        Line((Margin, Margin), (Margin, _height - Margin - 1), (0, 0, 0), 0, 0);
        Line((Margin, _height - Margin - 1), (_width - Margin - 1, _height - Margin - 1), (0, 0, 0), 0, 0);
        for (int t = 0; t <= 4; t++)
        {
            var (x, y) = At(xMax * t / 4, yMin);
            Line((x, y), (x, y + 5), (0, 0, 0), 0, 0);
            string tick = (xMax * t / 4).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
            Text(tick, x - (tick.Length * 4) + 1, y + 8, (0, 0, 0));
        }

        Text("FRACTION OF REGIONS PERTURBED", _width / 2 - 116, _height - 12, (0, 0, 0));
        Text("SOLID: MORF   DASHED: LERF", Margin + 8, 6, (0, 0, 0));
        int legendX = Math.Max(Margin + 8, _width - Margin - 8 * Math.Min(40, labels.Max(l => l.Length)) - 22);

        for (int i = 0; i < results.Count; i++)
        {
            var colour = Palette[i % Palette.Length];
            var r = results[i];
            for (int k = 0; k + 1 < r.FractionPerturbed.Count; k++)
            {
                Line(At(r.FractionPerturbed[k], r.MeanMostRelevantFirst[k]), At(r.FractionPerturbed[k + 1], r.MeanMostRelevantFirst[k + 1]), colour, 1, 0);
                Line(At(r.FractionPerturbed[k], r.MeanLeastRelevantFirst[k]), At(r.FractionPerturbed[k + 1], r.MeanLeastRelevantFirst[k + 1]), colour, 1, 6);
            }
        }

        Fill(legendX - 4, Margin - 4, _width - Margin - legendX + 8, 16 * results.Count + 4, (255, 255, 255));
        for (int i = 0; i < results.Count; i++)
        {
            Fill(legendX, Margin + 16 * i, 14, 10, Palette[i % Palette.Length]);
            Text(labels[i].Length > 40 ? labels[i][..40] : labels[i], legendX + 20, Margin + 16 * i, (0, 0, 0));
        }

        return PngWriter.EncodeRgb(_rgb, _width, _height);
    }

    /// <summary>A line of half-width <paramref name="radius"/>; dashed with dashes of <paramref name="dash"/> pixels when it is not 0.</summary>
    private void Line((int X, int Y) from, (int X, int Y) to, (byte R, byte G, byte B) colour, int radius, int dash)
    {
        int steps = Math.Max(Math.Abs(to.X - from.X), Math.Abs(to.Y - from.Y));
        double length = Math.Sqrt(Math.Pow(to.X - from.X, 2) + Math.Pow(to.Y - from.Y, 2));
        for (int s = 0; s <= steps; s++)
        {
            double t = steps == 0 ? 0 : (double)s / steps;
            if (dash > 0 && (int)(t * length / dash) % 2 == 1)
            {
                continue;
            }

            int x = (int)Math.Round(from.X + t * (to.X - from.X));
            int y = (int)Math.Round(from.Y + t * (to.Y - from.Y));
            Fill(x - radius, y - radius, 2 * radius + 1, 2 * radius + 1, colour);
        }
    }

    /// <summary>Writes <paramref name="text"/> at twice the font size, top left at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    private void Text(string text, int x, int y, (byte R, byte G, byte B) colour)
    {
        for (int i = 0; i < text.Length; i++)
        {
            for (int gy = 0; gy < PlotFont.GlyphHeight; gy++)
            {
                for (int gx = 0; gx < PlotFont.GlyphWidth; gx++)
                {
                    if (PlotFont.IsSet(text[i], gx, gy))
                    {
                        Fill(x + (8 * i) + (2 * gx), y + (2 * gy), 2, 2, colour);
                    }
                }
            }
        }
    }

    private void Fill(int x0, int y0, int w, int h, (byte R, byte G, byte B) colour)
    {
        for (int y = Math.Max(0, y0); y < Math.Min(_height, y0 + h); y++)
        {
            for (int x = Math.Max(0, x0); x < Math.Min(_width, x0 + w); x++)
            {
                int p = (y * _width + x) * 3;
                _rgb[p] = colour.R;
                _rgb[p + 1] = colour.G;
                _rgb[p + 2] = colour.B;
            }
        }
    }
}
