namespace Microsoft.ML.Lrp.Visualization;

/// <summary>A white RGB canvas on which images and short labels are placed, for side-by-side and grid images.</summary>
internal sealed class Canvas
{
    private readonly byte[] _rgb;

    public Canvas(int width, int height)
    {
        Width = width;
        Height = height;
        _rgb = new byte[3L * width * height];
        Array.Fill(_rgb, (byte)255);
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Copies <paramref name="image"/> with its top-left corner at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public void Draw(HeatmapImage image, int x, int y)
    {
        int stride = 3 * image.Width;
        for (int row = 0; row < image.Height; row++)
        {
            Array.Copy(image.Rgb, row * stride, _rgb, (3 * (((y + row) * Width) + x)), stride);
        }
    }

    /// <summary>
    /// Writes <paramref name="text"/> in black with <see cref="BitmapFont"/> glyphs magnified <paramref name="scale"/>
    /// times, from (<paramref name="x"/>, <paramref name="y"/>), dropping the characters that do not fit in
    /// <paramref name="maxWidth"/> pixels.
    /// </summary>
    public void DrawText(string text, int x, int y, int maxWidth, int scale)
    {
        int advance = BitmapFont.Advance * scale;
        int fit = Math.Min(text.Length, maxWidth / advance);
        for (int i = 0; i < fit; i++)
        {
            ReadOnlySpan<byte> glyph = BitmapFont.Glyph(text[i]);
            for (int gy = 0; gy < BitmapFont.Height; gy++)
            {
                for (int gx = 0; gx < BitmapFont.Width; gx++)
                {
                    if (glyph[(gy * BitmapFont.Width) + gx] != 0)
                    {
                        Fill(x + (i * advance) + (gx * scale), y + (gy * scale), scale, scale);
                    }
                }
            }
        }
    }

    public HeatmapImage ToImage() => new(Width, Height, _rgb);

    private void Fill(int x, int y, int width, int height)
    {
        for (int row = y; row < y + height; row++)
        {
            Array.Clear(_rgb, 3 * ((row * Width) + x), 3 * width);
        }
    }
}
