namespace Microsoft.ML.Lrp.Visualization;

/// <summary>How <see cref="HeatmapRenderer"/> and <see cref="TokenHeatmap"/> turn relevance into colour.</summary>
/// <remarks>
/// <para>
/// Normalisation (Zennit's <c>imgify</c>): with <see cref="Symmetric"/>, <c>s</c> = the
/// <see cref="ClipPercentile"/>-th percentile of <c>|R|</c> (nearest rank; the largest <c>|R|</c> when that
/// percentile is 0) and a value maps to the position <c>p = (clamp(R / s, −1, 1) + 1) / 2</c>, so zero relevance
/// lands on the colour map's centre (0.5). Without it, <c>lo</c> and <c>hi</c> are the (100 − ClipPercentile)-th and
/// ClipPercentile-th percentiles of <c>R</c> and <c>p = clamp((R − lo) / (hi − lo), 0, 1)</c>. A constant map gets
/// <c>p = 0.5</c>. Non-finite values count as zero.
/// </para>
/// <para>
/// Colour: the 8-bit palette index <c>k = ⌊255 p⌋</c> picks entry <c>k</c> of the colour map's 256-entry palette,
/// exactly as Zennit writes a single-channel image (<see cref="HeatmapRenderer.Palette"/>). With
/// <see cref="ClipPercentile"/> = 100 the heatmap equals Zennit's <c>imgify(R.sum(channels), symmetric=True, cmap=…)</c>.
/// </para>
/// </remarks>
public sealed record HeatmapOptions
{
    /// <summary>The options every method uses when none are given: <c>bwr</c>, 99.5th percentile, symmetric, overlay α 0.8.</summary>
    public static HeatmapOptions Default { get; } = new();

    /// <summary>The colour map (Zennit's <c>cmap</c>). Default <see cref="HeatmapColorMap.Bwr"/>.</summary>
    public HeatmapColorMap ColorMap { get; init; } = HeatmapColorMap.Bwr;

    /// <summary>
    /// The percentile of <c>|R|</c> (or of <c>R</c> at both ends when not <see cref="Symmetric"/>) that maps to the ends
    /// of the colour map, in (0, 100]; larger values saturate. 100 is Zennit's plain max-|R| norm. Default 99.5.
    /// </summary>
    public float ClipPercentile { get; init; } = HeatmapRenderer.DefaultClipPercentile;

    /// <summary>Normalise around zero (Zennit's <c>symmetric=True</c>): zero relevance is the map's centre. Default true.</summary>
    public bool Symmetric { get; init; } = true;

    /// <summary>
    /// The overlay's largest opacity, in [0, 1]: a pixel is drawn over the photo with <c>α = OverlayAlpha · min(|R| / s, 1)</c>
    /// (<c>s</c> the percentile of <c>|R|</c>), so zero relevance leaves the photo as it is. Default 0.8.
    /// </summary>
    public float OverlayAlpha { get; init; } = 0.8f;

    /// <summary>Throws when a property is out of range, naming it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A property is out of range.</exception>
    internal void Validate()
    {
        if (!Enum.IsDefined(ColorMap))
        {
            throw new ArgumentOutOfRangeException(nameof(ColorMap), ColorMap, "HeatmapOptions.ColorMap must be Bwr, ColdNHot, Hot or Gray.");
        }

        if (!(ClipPercentile > 0 && ClipPercentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(ClipPercentile), ClipPercentile, "HeatmapOptions.ClipPercentile must be in (0, 100].");
        }

        if (!(OverlayAlpha >= 0 && OverlayAlpha <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(OverlayAlpha), OverlayAlpha, "HeatmapOptions.OverlayAlpha must be in [0, 1].");
        }
    }
}
