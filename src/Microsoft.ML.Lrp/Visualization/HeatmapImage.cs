namespace Microsoft.ML.Lrp.Visualization;

/// <summary>An 8-bit RGB image made by <see cref="HeatmapRenderer"/>: a heatmap, an overlay, a side-by-side pair or a grid.</summary>
/// <remarks>Build one with the renderer's methods, or from your own pixels to place them in a grid.</remarks>
public sealed record HeatmapImage
{
    /// <summary>Wraps interleaved RGB pixels.</summary>
    /// <param name="width">Columns of pixels.</param>
    /// <param name="height">Rows of pixels.</param>
    /// <param name="rgb">Interleaved 8-bit RGB, row-major, <c>height × width × 3</c> bytes (kept, not copied).</param>
    /// <exception cref="ArgumentException">The pixel count does not match the size.</exception>
    public HeatmapImage(int width, int height, byte[] rgb)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(rgb);
        if (rgb.Length != 3L * width * height)
        {
            throw new ArgumentException($"An image of {width}×{height} RGB pixels holds {3L * width * height} bytes, not {rgb.Length}.", nameof(rgb));
        }

        Width = width;
        Height = height;
        Rgb = rgb;
    }

    /// <summary>Columns of pixels.</summary>
    public int Width { get; }

    /// <summary>Rows of pixels.</summary>
    public int Height { get; }

    /// <summary>Interleaved 8-bit RGB, row-major, <c>Height × Width × 3</c> bytes.</summary>
    public byte[] Rgb { get; }

    /// <summary>The image as a PNG file's bytes (8-bit RGB).</summary>
    public byte[] EncodePng() => PngWriter.EncodeRgb(Rgb, Width, Height);

    /// <summary>Writes the image to <paramref name="path"/> as a PNG file, creating the folder when needed and replacing an existing file.</summary>
    /// <param name="path">Where to write the PNG file.</param>
    public void SavePng(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] png = EncodePng();
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllBytes(path, png);
    }
}
