namespace Microsoft.ML.Lrp.Visualization;

/// <summary>
/// Zennit's colour maps (<c>zennit.image.CMAPS</c>): piecewise-linear maps from a position in [0, 1] to RGB, given
/// by control points on Zennit's 0–255 index scale.
/// </summary>
public enum HeatmapColorMap
{
    /// <summary>Blue (0) → white (0x80) → red (0xff). Zennit's default for signed relevance.</summary>
    Bwr = 0,

    /// <summary>Cyan (0) → blue (0x40) → black (0x80) → red (0xaa) → yellow (0xd4) → white (0xff): cold (reversed) and hot around black.</summary>
    ColdNHot = 1,

    /// <summary>Black (0) → red (0x55) → yellow (0xaa) → white (0xff).</summary>
    Hot = 2,

    /// <summary>Black (0) → white (0xff).</summary>
    Gray = 3,
}
