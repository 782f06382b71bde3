namespace Microsoft.ML.Lrp.Visualization;

/// <summary>
/// The control points of Zennit's colour maps and their 256-entry, 8-bit palettes.
/// </summary>
/// <remarks>
/// A map is a list of control points <c>(index, r, g, b)</c> on the 0–255 index scale, the last colour repeated at
/// 256. Zennit spreads colours given without an index evenly between their indexed neighbours, truncating each index
/// to an integer: <c>hot</c> = <c>000,f00,ff0,fff</c> puts red at ⌊255/3⌋ = 85 and yellow at 170; <c>coldnhot</c> =
/// <c>0ff,00f,80:000,f00,ff0,fff</c> puts blue at ⌊128/2⌋ = 64 and red, yellow at ⌊128 + 127/3⌋ = 170 and
/// ⌊128 + 2·127/3⌋ = 212. Palette entry <c>k</c> is the linear interpolation at index <c>k</c> between the
/// control points around it (<c>i_j ≤ k &lt; i_{j+1}</c>), truncated to a byte as Zennit's <c>palette()</c> does.
/// </remarks>
internal static class ColorMapPalette
{
    private static readonly byte[][] Palettes = [Build(Bwr), Build(ColdNHot), Build(Hot), Build(Gray)];

    private static ReadOnlySpan<int> Bwr => [0, 0x00, 0x00, 0xff, 128, 0xff, 0xff, 0xff, 255, 0xff, 0x00, 0x00];

    private static ReadOnlySpan<int> ColdNHot => [0, 0x00, 0xff, 0xff, 64, 0x00, 0x00, 0xff, 128, 0x00, 0x00, 0x00, 170, 0xff, 0x00, 0x00, 212, 0xff, 0xff, 0x00, 255, 0xff, 0xff, 0xff];

    private static ReadOnlySpan<int> Hot => [0, 0x00, 0x00, 0x00, 85, 0xff, 0x00, 0x00, 170, 0xff, 0xff, 0x00, 255, 0xff, 0xff, 0xff];

    private static ReadOnlySpan<int> Gray => [0, 0x00, 0x00, 0x00, 255, 0xff, 0xff, 0xff];

    /// <summary>The 256 × 3 palette bytes (RGB per entry) of <paramref name="map"/>; do not modify.</summary>
    public static byte[] Of(HeatmapColorMap map)
        => Enum.IsDefined(map) ? Palettes[(int)map] : throw new ArgumentOutOfRangeException(nameof(map), map, "Unknown colour map.");

    private static byte[] Build(ReadOnlySpan<int> points)
    {
        int count = points.Length / 4;
        var palette = new byte[256 * 3];
        int j = 0;
        for (int k = 0; k < 256; k++)
        {
            // Segment j: control point j at or below k, the next above it (the last colour repeats at 256).
            while (j + 1 < count && points[4 * (j + 1)] <= k)
            {
                j++;
            }

            int i0 = points[4 * j];
            int i1 = j + 1 < count ? points[4 * (j + 1)] : 256;
            int next = j + 1 < count ? j + 1 : j;
            double alpha = (k - i0) / (double)(i1 - i0);
            for (int c = 0; c < 3; c++)
            {
                double value = (points[(4 * j) + 1 + c] * (1 - alpha)) + (points[(4 * next) + 1 + c] * alpha);
                palette[(3 * k) + c] = (byte)Math.Clamp(Math.Floor(Math.Round(value, 9)), 0, 255);
            }
        }

        return palette;
    }
}
