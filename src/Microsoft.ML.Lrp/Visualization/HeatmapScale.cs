namespace Microsoft.ML.Lrp.Visualization;

/// <summary>
/// The normalisation of one map (see <see cref="HeatmapOptions"/>): where a relevance value falls on the colour map
/// and how opaque it is in an overlay.
/// </summary>
internal readonly struct HeatmapScale
{
    private readonly bool _symmetric;
    private readonly double _low;
    private readonly double _high;

    private HeatmapScale(bool symmetric, float magnitude, double low, double high)
    {
        _symmetric = symmetric;
        Magnitude = magnitude;
        _low = low;
        _high = high;
    }

    /// <summary>The percentile of <c>|R|</c> that maps to full colour (and full overlay opacity); 0 for an all-zero map.</summary>
    public float Magnitude { get; }

    /// <summary>The scale of <paramref name="map"/> under <paramref name="options"/> (already validated).</summary>
    public static HeatmapScale Of(ReadOnlySpan<float> map, HeatmapOptions options)
    {
        float magnitude = HeatmapRenderer.SymmetricScale(map, options.ClipPercentile);
        if (options.Symmetric || map.IsEmpty)
        {
            return new HeatmapScale(true, magnitude, -magnitude, magnitude);
        }

        var sorted = new float[map.Length];
        for (int i = 0; i < map.Length; i++)
        {
            sorted[i] = Finite(map[i]);
        }

        Array.Sort(sorted);
        int rank = Math.Clamp((int)Math.Ceiling(options.ClipPercentile / 100.0 * sorted.Length), 1, sorted.Length);
        return new HeatmapScale(false, magnitude, sorted[sorted.Length - rank], sorted[rank - 1]);
    }

    /// <summary>The position of <paramref name="relevance"/> on the colour map, in [0, 1] (0.5 for a constant map).</summary>
    public double Position(float relevance)
    {
        double r = Finite(relevance);
        if (_symmetric)
        {
            return Magnitude > 0 ? (Math.Clamp(r / Magnitude, -1, 1) + 1) / 2 : 0.5;
        }

        return _high > _low ? Math.Clamp((r - _low) / (_high - _low), 0, 1) : 0.5;
    }

    /// <summary>The 8-bit palette index of <paramref name="relevance"/>: <c>⌊255 · position⌋</c>.</summary>
    public int PaletteIndex(float relevance) => (int)Math.Clamp(Math.Floor(255 * Position(relevance)), 0, 255);

    /// <summary>The overlay opacity of <paramref name="relevance"/>: <c>maxAlpha · min(|R| / s, 1)</c>.</summary>
    public double Alpha(float relevance, float maxAlpha)
        => Magnitude > 0 ? maxAlpha * Math.Min(Math.Abs(Finite(relevance)) / (double)Magnitude, 1) : 0;

    private static float Finite(float value) => float.IsFinite(value) ? value : 0f;
}
