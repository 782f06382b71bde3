namespace Microsoft.ML.Lrp.Visualization;

/// <summary>
/// Renders a relevance map as an RGB heatmap: red where relevance is positive, blue where it is negative, on a
/// symmetric scale, blended over a greyed copy of the photo (or over white when no photo is given).
/// </summary>
/// <remarks>
/// <para>
/// The relevance is laid out as one explained input row: <c>[channels, height, width]</c>, row-major (the NCHW layout
/// of an ONNX image input without its batch dimension). With more than one channel the map is summed over channels
/// first, so each pixel gets one value.
/// </para>
/// <para>
/// Scale: <c>s</c> = the <c>clipPercentile</c>-th percentile (nearest rank) of <c>|R|</c> over the pixels, or the
/// largest <c>|R|</c> when that percentile is zero. Each pixel gets <c>t = clamp(R / s, −1, 1)</c>, so values beyond
/// the percentile saturate and both signs share one scale. Non-finite values count as zero.
/// </para>
/// <para>
/// Colour: the background is the photo's luminance <c>Y = 0.299 R + 0.587 G + 0.114 B</c> compressed to
/// <c>0.25 + 0.5 Y</c> (a light, low-contrast grey), and the output is <c>(1 − |t|)·background + |t|·colour</c> with
/// pure red for <c>t &gt; 0</c> and pure blue for <c>t &lt; 0</c>. Zero relevance shows the greyed photo unchanged.
/// </para>
/// </remarks>
public static class HeatmapRenderer
{
    /// <summary>The percentile of <c>|R|</c> that maps to full colour unless the caller says otherwise.</summary>
    public const float DefaultClipPercentile = 99.5f;

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
    /// <returns>The value of <c>|R|</c> that maps to full red or full blue.</returns>
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
    /// Renders the heatmap as interleaved 8-bit RGB pixels (<c>height × width × 3</c> bytes, row-major).
    /// </summary>
    /// <param name="relevance">One row's relevance, <c>channels × height × width</c> values (NCHW without N).</param>
    /// <param name="channels">Channels of the map (1 for a <c>[height, width]</c> map); they are summed.</param>
    /// <param name="height">Rows of pixels.</param>
    /// <param name="width">Columns of pixels.</param>
    /// <param name="rgbBackground">
    /// The photo as interleaved 8-bit RGB (<c>height × width × 3</c> bytes), shown greyed under the colours; empty for
    /// a white background.
    /// </param>
    /// <param name="clipPercentile">The percentile of <c>|R|</c> that maps to full colour, in (0, 100].</param>
    /// <returns>The heatmap's pixels.</returns>
    public static byte[] RenderRgb(ReadOnlySpan<float> relevance, int channels, int height, int width, ReadOnlySpan<byte> rgbBackground = default, float clipPercentile = DefaultClipPercentile)
    {
        int pixels = CheckShape(relevance.Length, channels, height, width);
        if (!rgbBackground.IsEmpty && rgbBackground.Length != 3 * pixels)
        {
            throw new ArgumentException($"The background must hold {height}×{width}×3 = {3 * pixels} RGB bytes, not {rgbBackground.Length}.", nameof(rgbBackground));
        }

        float[] map = SumChannels(relevance, channels, height, width);
        float scale = SymmetricScale(map, clipPercentile);
        var rgb = new byte[3 * pixels];
        for (int i = 0; i < pixels; i++)
        {
            float grey = rgbBackground.IsEmpty ? 1f : Grey(rgbBackground[3 * i], rgbBackground[(3 * i) + 1], rgbBackground[(3 * i) + 2]);
            float value = map[i];
            float t = scale > 0 && float.IsFinite(value) ? Math.Clamp(value / scale, -1f, 1f) : 0f;
            float alpha = Math.Abs(t);
            float keep = (1 - alpha) * grey;
            rgb[3 * i] = ToByte(keep + (t > 0 ? alpha : 0));
            rgb[(3 * i) + 1] = ToByte(keep);
            rgb[(3 * i) + 2] = ToByte(keep + (t < 0 ? alpha : 0));
        }

        return rgb;
    }

    /// <summary>Renders the heatmap (see <see cref="RenderRgb"/>) and encodes it as a PNG file's bytes.</summary>
    /// <param name="relevance">One row's relevance, <c>channels × height × width</c> values (NCHW without N).</param>
    /// <param name="channels">Channels of the map (1 for a <c>[height, width]</c> map); they are summed.</param>
    /// <param name="height">Rows of pixels.</param>
    /// <param name="width">Columns of pixels.</param>
    /// <param name="rgbBackground">The photo as interleaved 8-bit RGB, or empty for white.</param>
    /// <param name="clipPercentile">The percentile of <c>|R|</c> that maps to full colour, in (0, 100].</param>
    /// <returns>A complete PNG file (8-bit RGB).</returns>
    public static byte[] EncodePng(ReadOnlySpan<float> relevance, int channels, int height, int width, ReadOnlySpan<byte> rgbBackground = default, float clipPercentile = DefaultClipPercentile)
        => PngWriter.EncodeRgb(RenderRgb(relevance, channels, height, width, rgbBackground, clipPercentile), width, height);

    /// <summary>
    /// Renders the heatmap (see <see cref="RenderRgb"/>) and writes it to <paramref name="path"/> as a PNG file,
    /// creating the folder when needed and replacing an existing file.
    /// </summary>
    /// <param name="path">Where to write the PNG file.</param>
    /// <param name="relevance">One row's relevance, <c>channels × height × width</c> values (NCHW without N).</param>
    /// <param name="channels">Channels of the map (1 for a <c>[height, width]</c> map); they are summed.</param>
    /// <param name="height">Rows of pixels.</param>
    /// <param name="width">Columns of pixels.</param>
    /// <param name="rgbBackground">The photo as interleaved 8-bit RGB, or empty for white.</param>
    /// <param name="clipPercentile">The percentile of <c>|R|</c> that maps to full colour, in (0, 100].</param>
    public static void SavePng(string path, ReadOnlySpan<float> relevance, int channels, int height, int width, ReadOnlySpan<byte> rgbBackground = default, float clipPercentile = DefaultClipPercentile)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] png = EncodePng(relevance, channels, height, width, rgbBackground, clipPercentile);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllBytes(path, png);
    }

    private static float Grey(byte r, byte g, byte b) => 0.25f + (0.5f * ((0.299f * r) + (0.587f * g) + (0.114f * b)) / 255f);

    private static byte ToByte(float value) => (byte)Math.Clamp(MathF.Round(value * 255f), 0f, 255f);

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
