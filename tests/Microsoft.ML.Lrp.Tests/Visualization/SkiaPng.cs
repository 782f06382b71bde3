using SkiaSharp;

namespace Microsoft.ML.Lrp.Tests.Visualization;

/// <summary>Decodes PNG files with SkiaSharp (an independent decoder) into interleaved 8-bit RGB.</summary>
internal sealed record SkiaPng(int Width, int Height, byte[] Rgb)
{
    /// <summary>Decodes <paramref name="png"/>; throws <see cref="InvalidDataException"/> when SkiaSharp cannot read it or it is not opaque.</summary>
    public static SkiaPng Decode(byte[] png)
    {
        using SKBitmap? bitmap = SKBitmap.Decode(png) ?? throw new InvalidDataException("SkiaSharp could not decode the PNG.");
        var rgb = new byte[3 * bitmap.Width * bitmap.Height];
        for (int y = 0; y < bitmap.Height; y++)
        {
            for (int x = 0; x < bitmap.Width; x++)
            {
                SKColor c = bitmap.GetPixel(x, y);
                if (c.Alpha != 255)
                {
                    throw new InvalidDataException($"pixel ({x}, {y}) is not opaque");
                }

                int i = 3 * ((y * bitmap.Width) + x);
                rgb[i] = c.Red;
                rgb[i + 1] = c.Green;
                rgb[i + 2] = c.Blue;
            }
        }

        return new SkiaPng(bitmap.Width, bitmap.Height, rgb);
    }

    public static SkiaPng Load(string path) => Decode(File.ReadAllBytes(path));

    /// <summary>The pixel at (<paramref name="x"/>, <paramref name="y"/>) as "r,g,b".</summary>
    public string At(int x, int y) => $"{Rgb[3 * ((y * Width) + x)]},{Rgb[(3 * ((y * Width) + x)) + 1]},{Rgb[(3 * ((y * Width) + x)) + 2]}";

    /// <summary>Channel <paramref name="c"/> of the pixel at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public byte Channel(int x, int y, int c) => Rgb[(3 * ((y * Width) + x)) + c];
}
