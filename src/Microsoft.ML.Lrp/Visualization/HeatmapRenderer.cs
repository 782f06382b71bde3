namespace Microsoft.ML.Lrp.Visualization;

/// <summary>
/// Renders image relevance with Zennit's colour maps: the heatmap alone, as an overlay on the photo, side by side
/// with the photo, and grids of several heatmaps (see <see cref="HeatmapOptions"/> for the normalisation).
/// </summary>
/// <remarks>
/// <para>
/// The relevance is laid out as one explained input row: <c>[channels, height, width]</c>, row-major (the NCHW layout
/// of an ONNX image input without its batch dimension). It is summed over channels first, so each pixel gets one
/// value (Zennit's practice for RGB relevance: <c>relevance.sum(1)</c>). Photos are interleaved 8-bit RGB
/// (<c>height × width × 3</c> bytes), as ML.NET's <c>ExtractPixels(interleavePixelColors: true, outputAsFloatArray: false)</c>
/// gives them.
/// </para>
/// <para>
/// Overlay: the photo's luminance <c>Y = 0.299 R + 0.587 G + 0.114 B</c> as a grey background, and each pixel
/// <c>(1 − α)·Y + α·colour</c> with <c>α = OverlayAlpha · min(|R| / s, 1)</c>: irrelevant pixels keep the photo, the
/// most relevant get the colour map's colour at nearly full strength.
/// </para>
/// </remarks>
public static partial class HeatmapRenderer
{
    /// <summary>The percentile of <c>|R|</c> that maps to full colour unless the caller says otherwise.</summary>
    public const float DefaultClipPercentile = 99.5f;

    /// <summary>White pixels between the panels of a side-by-side image or a grid, and around a grid.</summary>
    public const int Spacing = 4;

    /// <summary>
    /// Sums a <c>[channels, height, width]</c> relevance map over its channels, giving one value per pixel
    /// (<c>[height, width]</c>, row-major). With one channel the values are copied.
    /// </summary>
    /// <param name="relevance">One row's relevance, <c>channels × height × width</c> values.</param>
    /// <param name="channels">Channels of the map (1 for a <c>[height, width]</c> map).</param>
    /// <param name="height">Rows of pixels.</param>
    /// <param name="width">Columns of pixels.</param>
    /// <returns><c>height × width</c> values.</returns>
    public static float[] SumChannels(ReadOnlySpan<float> relevance, int channels, int height, int width)
    {
        int pixels = CheckShape(relevance.Length, channels, height, width);
        var map = new float[pixels];
        for (int c = 0; c < channels; c++)
        {
            ReadOnlySpan<float> plane = relevance.Slice(c * pixels, pixels);
            for (int i = 0; i < pixels; i++)
            {
                map[i] += plane[i];
            }
        }

        return map;
    }

    /// <summary>
    /// The symmetric scale of a per-pixel map: the <paramref name="clipPercentile"/>-th percentile (nearest rank) of
    /// <c>|R|</c>, or the largest <c>|R|</c> when that percentile is zero; 0 when every value is zero or non-finite.
    /// </summary>
    /// <param name="map">Per-pixel relevance.</param>
    /// <param name="clipPercentile">In (0, 100]; 100 gives the largest <c>|R|</c>.</param>
    /// <returns>The value of <c>|R|</c> that maps to the ends of the colour map.</returns>
    public static float SymmetricScale(ReadOnlySpan<float> map, float clipPercentile = DefaultClipPercentile)
    {
        if (!(clipPercentile > 0 && clipPercentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(clipPercentile), clipPercentile, "The clip percentile must be in (0, 100].");
        }

        if (map.IsEmpty)
        {
            return 0;
        }

        var magnitudes = new float[map.Length];
        for (int i = 0; i < map.Length; i++)
        {
            magnitudes[i] = float.IsFinite(map[i]) ? Math.Abs(map[i]) : 0;
        }

        Array.Sort(magnitudes);
        int rank = (int)Math.Ceiling(clipPercentile / 100.0 * magnitudes.Length);
        float scale = magnitudes[Math.Clamp(rank, 1, magnitudes.Length) - 1];
        return scale > 0 ? scale : magnitudes[^1];
    }

    /// <summary>
    /// The 256-entry palette of a colour map as Zennit builds it: <c>256 × 3</c> bytes, entry <c>k</c> the colour at
    /// index <c>k</c> of the map's control points (see <see cref="HeatmapColorMap"/>), interpolated linearly and truncated.
    /// </summary>
    /// <param name="colorMap">The colour map.</param>
    /// <returns>A copy of the palette, RGB per entry.</returns>
    public static byte[] Palette(HeatmapColorMap colorMap) => (byte[])ColorMapPalette.Of(colorMap).Clone();

    /// <summary>The heatmap alone: each pixel the colour-map colour of its channel-summed relevance.</summary>
    /// <param name="relevance">One row's relevance, <c>channels × height × width</c> values (NCHW without N).</param>
    /// <param name="channels">Channels of the map (1 for a <c>[height, width]</c> map); they are summed.</param>
    /// <param name="height">Rows of pixels.</param>
    /// <param name="width">Columns of pixels.</param>
    /// <param name="options">Colour map and normalisation; <see cref="HeatmapOptions.Default"/> when null.</param>
    /// <returns>A <c>width × height</c> image.</returns>
    public static HeatmapImage RenderHeatmap(ReadOnlySpan<float> relevance, int channels, int height, int width, HeatmapOptions? options = null)
    {
        options = Checked(options);
        float[] map = SumChannels(relevance, channels, height, width);
        var scale = HeatmapScale.Of(map, options);
        byte[] palette = ColorMapPalette.Of(options.ColorMap);
        var rgb = new byte[3 * map.Length];
        for (int i = 0; i < map.Length; i++)
        {
            int k = scale.PaletteIndex(map[i]);
            rgb[3 * i] = palette[3 * k];
            rgb[(3 * i) + 1] = palette[(3 * k) + 1];
            rgb[(3 * i) + 2] = palette[(3 * k) + 2];
        }

        return new HeatmapImage(width, height, rgb);
    }

    /// <summary>
    /// The heatmap drawn over the greyed photo with opacity proportional to <c>|R|</c>:
    /// <c>(1 − α)·Y + α·colour</c>, <c>α = OverlayAlpha · min(|R| / s, 1)</c>.
    /// </summary>
    /// <param name="relevance">One row's relevance, <c>channels × height × width</c> values (NCHW without N).</param>
    /// <param name="channels">Channels of the map; they are summed.</param>
    /// <param name="height">Rows of pixels.</param>
    /// <param name="width">Columns of pixels.</param>
    /// <param name="rgbPhoto">The photo as interleaved 8-bit RGB, <c>height × width × 3</c> bytes.</param>
    /// <param name="options">Colour map, normalisation and largest opacity; <see cref="HeatmapOptions.Default"/> when null.</param>
    /// <returns>A <c>width × height</c> image.</returns>
    public static HeatmapImage RenderOverlay(ReadOnlySpan<float> relevance, int channels, int height, int width, ReadOnlySpan<byte> rgbPhoto, HeatmapOptions? options = null)
    {
        options = Checked(options);
        float[] map = SumChannels(relevance, channels, height, width);
        CheckPhoto(rgbPhoto, height, width);
        var scale = HeatmapScale.Of(map, options);
        byte[] palette = ColorMapPalette.Of(options.ColorMap);
        var rgb = new byte[3 * map.Length];
        for (int i = 0; i < map.Length; i++)
        {
            double grey = (0.299 * rgbPhoto[3 * i]) + (0.587 * rgbPhoto[(3 * i) + 1]) + (0.114 * rgbPhoto[(3 * i) + 2]);
            double alpha = scale.Alpha(map[i], options.OverlayAlpha);
            int k = scale.PaletteIndex(map[i]);
            for (int c = 0; c < 3; c++)
            {
                rgb[(3 * i) + c] = ToByte(((1 - alpha) * grey) + (alpha * palette[(3 * k) + c]));
            }
        }

        return new HeatmapImage(width, height, rgb);
    }

    /// <summary>The photo on the left and the heatmap alone (<see cref="RenderHeatmap"/>) on the right, <see cref="Spacing"/> white pixels apart.</summary>
    /// <param name="relevance">One row's relevance, <c>channels × height × width</c> values (NCHW without N).</param>
    /// <param name="channels">Channels of the map; they are summed.</param>
    /// <param name="height">Rows of pixels.</param>
    /// <param name="width">Columns of pixels.</param>
    /// <param name="rgbPhoto">The photo as interleaved 8-bit RGB, <c>height × width × 3</c> bytes.</param>
    /// <param name="options">Colour map and normalisation; <see cref="HeatmapOptions.Default"/> when null.</param>
    /// <returns>A <c>(2·width + Spacing) × height</c> image.</returns>
    public static HeatmapImage RenderSideBySide(ReadOnlySpan<float> relevance, int channels, int height, int width, ReadOnlySpan<byte> rgbPhoto, HeatmapOptions? options = null)
    {
        HeatmapImage heatmap = RenderHeatmap(relevance, channels, height, width, options);
        CheckPhoto(rgbPhoto, height, width);
        var photo = new HeatmapImage(width, height, rgbPhoto.ToArray());
        var canvas = new Canvas((2 * width) + Spacing, height);
        canvas.Draw(photo, 0, 0);
        canvas.Draw(heatmap, width + Spacing, 0);
        return canvas.ToImage();
    }

    /// <summary>
    /// The pixels of <see cref="RenderOverlay"/> when a photo is given, else of <see cref="RenderHeatmap"/>, both with
    /// <c>bwr</c> and the given percentile (interleaved RGB, <c>height × width × 3</c> bytes).
    /// </summary>
    /// <param name="relevance">One row's relevance, <c>channels × height × width</c> values (NCHW without N).</param>
    /// <param name="channels">Channels of the map (1 for a <c>[height, width]</c> map); they are summed.</param>
    /// <param name="height">Rows of pixels.</param>
    /// <param name="width">Columns of pixels.</param>
    /// <param name="rgbBackground">The photo as interleaved 8-bit RGB (<c>height × width × 3</c> bytes), or empty for the heatmap alone.</param>
    /// <param name="clipPercentile">The percentile of <c>|R|</c> that maps to full colour, in (0, 100].</param>
    /// <returns>The image's pixels.</returns>
    public static byte[] RenderRgb(ReadOnlySpan<float> relevance, int channels, int height, int width, ReadOnlySpan<byte> rgbBackground = default, float clipPercentile = DefaultClipPercentile)
        => Legacy(relevance, channels, height, width, rgbBackground, clipPercentile).Rgb;

    /// <summary>Renders as <see cref="RenderRgb"/> does and encodes the image as a PNG file's bytes.</summary>
    /// <param name="relevance">One row's relevance, <c>channels × height × width</c> values (NCHW without N).</param>
    /// <param name="channels">Channels of the map (1 for a <c>[height, width]</c> map); they are summed.</param>
    /// <param name="height">Rows of pixels.</param>
    /// <param name="width">Columns of pixels.</param>
    /// <param name="rgbBackground">The photo as interleaved 8-bit RGB, or empty for the heatmap alone.</param>
    /// <param name="clipPercentile">The percentile of <c>|R|</c> that maps to full colour, in (0, 100].</param>
    /// <returns>A complete PNG file (8-bit RGB).</returns>
    public static byte[] EncodePng(ReadOnlySpan<float> relevance, int channels, int height, int width, ReadOnlySpan<byte> rgbBackground = default, float clipPercentile = DefaultClipPercentile)
        => Legacy(relevance, channels, height, width, rgbBackground, clipPercentile).EncodePng();

    /// <summary>
    /// Renders as <see cref="RenderRgb"/> does and writes the image to <paramref name="path"/> as a PNG file, creating
    /// the folder when needed and replacing an existing file.
    /// </summary>
    /// <param name="path">Where to write the PNG file.</param>
    /// <param name="relevance">One row's relevance, <c>channels × height × width</c> values (NCHW without N).</param>
    /// <param name="channels">Channels of the map (1 for a <c>[height, width]</c> map); they are summed.</param>
    /// <param name="height">Rows of pixels.</param>
    /// <param name="width">Columns of pixels.</param>
    /// <param name="rgbBackground">The photo as interleaved 8-bit RGB, or empty for the heatmap alone.</param>
    /// <param name="clipPercentile">The percentile of <c>|R|</c> that maps to full colour, in (0, 100].</param>
    public static void SavePng(string path, ReadOnlySpan<float> relevance, int channels, int height, int width, ReadOnlySpan<byte> rgbBackground = default, float clipPercentile = DefaultClipPercentile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Legacy(relevance, channels, height, width, rgbBackground, clipPercentile).SavePng(path);
    }

    private static HeatmapImage Legacy(ReadOnlySpan<float> relevance, int channels, int height, int width, ReadOnlySpan<byte> rgbBackground, float clipPercentile)
    {
        if (!(clipPercentile > 0 && clipPercentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(clipPercentile), clipPercentile, "The clip percentile must be in (0, 100].");
        }

        var options = HeatmapOptions.Default with { ClipPercentile = clipPercentile };
        if (rgbBackground.IsEmpty)
        {
            return RenderHeatmap(relevance, channels, height, width, options);
        }

        CheckPhoto(rgbBackground, height, width, nameof(rgbBackground));
        return RenderOverlay(relevance, channels, height, width, rgbBackground, options);
    }

    private static HeatmapOptions Checked(HeatmapOptions? options)
    {
        options ??= HeatmapOptions.Default;
        options.Validate();
        return options;
    }

    private static void CheckPhoto(ReadOnlySpan<byte> rgbPhoto, int height, int width, string name = "rgbPhoto")
    {
        if (rgbPhoto.Length != 3L * height * width)
        {
            throw new ArgumentException($"The photo must hold {height}×{width}×3 = {3L * height * width} RGB bytes, not {rgbPhoto.Length}.", name);
        }
    }

    private static byte ToByte(double value) => (byte)Math.Clamp(Math.Round(value), 0, 255);

    private static int CheckShape(int length, int channels, int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        long pixels = (long)height * width;
        if (pixels * channels != length)
        {
            throw new ArgumentException($"A relevance map of shape [{channels}, {height}, {width}] holds {pixels * channels} values, not {length}.", "relevance");
        }

        return (int)pixels;
    }
}
